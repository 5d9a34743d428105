using System.Collections.Concurrent;
using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Polly;
using Polly.Retry;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>
/// Appends hash-chained records to a JSON Lines file. Several processes may share one file: each
/// append holds an exclusive lock on it while it reads the last record and writes the next one.
/// </summary>
public sealed class AuditLog(string path)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InProcessLocks = new(StringComparer.Ordinal);

    /// <summary>Waits out another process's append (which holds the file exclusively); readers use it too.</summary>
    internal static readonly ResiliencePipeline LockRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<IOException>(IsLockConflict),
            MaxRetryAttempts = 400,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(100),
        })
        .AddTimeout(TimeSpan.FromSeconds(30))
        .Build();

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Appends the record with its sequence number and chain hash filled in; returns it and its own hash.</summary>
    public async Task<(AuditRecord Record, string Hash)> AppendAsync(AuditRecord record, CancellationToken cancellationToken) =>
        (await AppendUnderLockAsync(_ => [record], cancellationToken).ConfigureAwait(false)).Single();

    /// <summary>
    /// Ends each of <paramref name="runIds"/> that is still open once the log is locked with the record
    /// <paramref name="end"/> makes from it; a run something else ended meanwhile (another sweep, its
    /// owner) gets nothing. "Still open?" and the append are one step under the lock, so sweeps racing
    /// over the same run, in one process or several, end it once. Returns the records appended.
    /// </summary>
    internal async Task<IReadOnlyList<AuditRecord>> EndOpenRunsAsync(IReadOnlyCollection<string> runIds, Func<AuditRun, AuditRecord> end, long tailBytes, CancellationToken cancellationToken)
    {
        var appended = await AppendUnderLockAsync(
            file =>
            {
                var runs = AuditRuns.Read(file, tailBytes);
                return runIds.Distinct(StringComparer.Ordinal).Select(runs.Find).OfType<AuditRun>().Where(run => run.IsOpen).Select(end).ToList();
            },
            cancellationToken).ConfigureAwait(false);
        return appended.Select(entry => entry.Record).ToArray();
    }

    /// <summary>Holds the log's lock while <paramref name="choose"/> reads it and picks the records to append, and while they are appended.</summary>
    private async Task<IReadOnlyList<(AuditRecord Record, string Hash)>> AppendUnderLockAsync(Func<FileStream, IReadOnlyList<AuditRecord>> choose, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var gate = InProcessLocks.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await LockRetry.ExecuteAsync(
                async token => await AppendLockedAsync(choose, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PosixException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.AuditWriteFailed), Path, ex.Message), ex);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IReadOnlyList<(AuditRecord, string)>> AppendLockedAsync(Func<FileStream, IReadOnlyList<AuditRecord>> choose, CancellationToken cancellationToken)
    {
        await using var file = AuditFile.OpenForAppend(Path);
        var records = choose(file);
        if (records.Count == 0)
        {
            return [];
        }

        var last = await ReadLastLineAsync(file, cancellationToken).ConfigureAwait(false);
        file.Seek(0, SeekOrigin.End);
        if (file.Length > 0 && !await EndsWithNewlineAsync(file, cancellationToken).ConfigureAwait(false))
        {
            // A torn earlier write: start a fresh line so this record stays parseable; verify reports the torn one.
            file.WriteByte((byte)'\n');
        }

        var appended = new List<(AuditRecord, string)>(records.Count);
        foreach (var record in records)
        {
            var chained = record with
            {
                Seq = last is null ? 1 : ReadSeq(last) + 1,
                Prev = last is null ? AuditChain.GenesisHash : AuditChain.HashLine(last),
            };
            var line = AuditChain.Serialize(chained);
            await file.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            file.WriteByte((byte)'\n');
            appended.Add((chained, AuditChain.HashLine(line)));
            last = line;
        }

        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
        return appended;
    }

    private static long ReadSeq(byte[] line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var value) ? value : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private static async Task<bool> EndsWithNewlineAsync(FileStream file, CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        file.Seek(-1, SeekOrigin.End);
        await file.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer[0] == (byte)'\n';
    }

    /// <summary>The last non-empty line, read backwards from the end in blocks.</summary>
    internal static async Task<byte[]?> ReadLastLineAsync(FileStream file, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var end = length;
        while (end > 0)
        {
            file.Seek(end - 1, SeekOrigin.Begin);
            var b = new byte[1];
            await file.ReadExactlyAsync(b, cancellationToken).ConfigureAwait(false);
            if (b[0] != (byte)'\n')
            {
                break;
            }

            end--;
        }

        if (end == 0)
        {
            return null;
        }

        const int block = 8192;
        var start = end;
        var collected = new List<byte[]>();
        while (start > 0)
        {
            var size = (int)Math.Min(block, start);
            var buffer = new byte[size];
            file.Seek(start - size, SeekOrigin.Begin);
            await file.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            var newline = Array.LastIndexOf(buffer, (byte)'\n');
            if (newline >= 0)
            {
                collected.Insert(0, buffer[(newline + 1)..]);
                start = start - size + newline + 1;
                break;
            }

            collected.Insert(0, buffer);
            start -= size;
        }

        return collected.SelectMany(part => part).ToArray();
    }

    private static bool IsLockConflict(IOException exception) =>
        exception is AuditFile.LockBusyException || (exception.HResult & 0xFFFF) is 32 or 33 || exception.Message.Contains("being used by another process", StringComparison.Ordinal);
}
