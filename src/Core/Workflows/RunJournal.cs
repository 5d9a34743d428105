using System.Text;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// A run's <c>journal.jsonl</c>: appended one whole line at a time and flushed to disk before the
/// caller goes on, so what it says happened did (a step's id is there before its sandbox starts).
/// </summary>
internal sealed class RunJournal : IDisposable
{
    private readonly FileStream _file;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private long _seq;

    private RunJournal(FileStream file, long seq, TimeProvider time)
    {
        _file = file;
        _seq = seq;
        _time = time;
    }

    public string Path => _file.Name;

    public static RunJournal Open(string path, TimeProvider time)
    {
        var existing = File.Exists(path) ? Read(path) : [];
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new RunJournal(file, existing.Count == 0 ? 0 : existing[^1].Seq, time);
    }

    public JournalEntry Append(JournalEntry entry)
    {
        lock (_gate)
        {
            var stamped = entry with { Seq = ++_seq, Time = _time.GetUtcNow() };
            var line = JsonSerializer.SerializeToUtf8Bytes(stamped, JournalEntry.JsonOptions);
            var bytes = new byte[line.Length + 1];
            line.CopyTo(bytes, 0);
            bytes[^1] = (byte)'\n';
            _file.Write(bytes);
            _file.Flush(flushToDisk: true);
            return stamped;
        }
    }

    /// <summary>Every entry; a line that is not one (a corrupt or edited journal) is GBX6022 with its line number.</summary>
    public static IReadOnlyList<JournalEntry> Read(string path)
    {
        var entries = new List<JournalEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            number++;
            JournalEntry? entry = null;
            try
            {
                entry = JsonSerializer.Deserialize<JournalEntry>(line, JournalEntry.JsonOptions);
            }
            catch (JsonException)
            {
            }

            if (entry is null || entry.Seq < 1 || (entries.Count > 0 && entry.Seq != entries[^1].Seq + 1))
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowJournalCorrupt), path, number, line.Length > 80 ? line[..80] + "…" : line));
            }

            entries.Add(entry);
        }

        return entries;
    }

    public void Dispose() => _file.Dispose();
}
