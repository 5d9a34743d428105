using System.Text.Json;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>
/// A run as its records tell it: the <c>started</c> record (kept only while it matters: open and
/// abandoned runs) and the status of the record that ended it, if any.
/// </summary>
public sealed record AuditRun(string Id, JsonElement Started, string? EndStatus, DateTimeOffset? EndedAt)
{
    public bool IsOpen => EndStatus is null;

    public bool WasAbandoned => EndStatus == AuditStatus.Abandoned;

    public DateTimeOffset StartedAt => Started.ValueKind == JsonValueKind.Object && Started.TryGetProperty("time", out var time) && time.TryGetDateTimeOffset(out var value) ? value : DateTimeOffset.MinValue;

    /// <summary>"policy P, started T by user@host pid N", for people.</summary>
    public string Describe()
    {
        var started = Started.ValueKind == JsonValueKind.Object;
        var policy = started && Started.TryGetProperty("policy", out var p) && p.TryGetProperty("name", out var name) ? name.GetString() : "?";
        var who = started && Started.TryGetProperty("who", out var w) ? w : default;
        string Text(string property) => who.ValueKind == JsonValueKind.Object && who.TryGetProperty(property, out var value) ? value.ToString() : "?";
        return $"{Id} (policy {policy}, started {StartedAt:u} by {Text("user")}@{Text("host")} pid {Text("pid")})";
    }
}

/// <summary>
/// Pairs every <c>started</c> record of a log with the record that ended its run (same id): a run
/// without one is open (still running, or its owner was killed and no sweep has recorded it yet).
/// Lines that do not parse are skipped here; <see cref="AuditVerifier"/> reports them.
/// </summary>
public sealed class AuditRuns
{
    private readonly Dictionary<string, AuditRun> _runs;

    private AuditRuns(Dictionary<string, AuditRun> runs) => _runs = runs;

    public IReadOnlyCollection<AuditRun> All => _runs.Values;

    public IReadOnlyList<AuditRun> Open => _runs.Values.Where(run => run.IsOpen).OrderBy(run => run.StartedAt).ToArray();

    public IReadOnlyList<AuditRun> Abandoned => _runs.Values.Where(run => run.WasAbandoned).OrderBy(run => run.StartedAt).ToArray();

    public AuditRun? Find(string id) => _runs.GetValueOrDefault(id);

    /// <summary>The runs of the whole log, or of its last <paramref name="tailBytes"/> (from the first whole line there).</summary>
    public static AuditRuns Read(string path, long tailBytes = long.MaxValue) =>
        AuditLog.LockRetry.Execute(() => ReadOnce(path, tailBytes));

    private static AuditRuns ReadOnce(string path, long tailBytes)
    {
        // Link-free and regular files only (GBX1310): the log's folder may be writable by whoever planted a FIFO there.
        using var file = AuditFile.OpenForRead(path);
        return file is null ? new AuditRuns(new Dictionary<string, AuditRun>(StringComparer.Ordinal)) : Read(file, tailBytes);
    }

    /// <summary>The runs in an open log (from its start, or its last <paramref name="tailBytes"/>); leaves the stream open.</summary>
    internal static AuditRuns Read(FileStream file, long tailBytes)
    {
        var runs = new Dictionary<string, AuditRun>(StringComparer.Ordinal);
        file.Seek(file.Length > tailBytes ? file.Length - tailBytes : 0, SeekOrigin.Begin);
        using var reader = new StreamReader(file, leaveOpen: true);
        if (file.Position > 0)
        {
            reader.ReadLine();
        }

        while (reader.ReadLine() is { } line)
        {
            if (Parse(line) is not { } record)
            {
                continue;
            }

            var (id, status, element) = record;
            if (status == AuditStatus.Started)
            {
                runs[id] = new AuditRun(id, element, null, null);
            }
            else if (runs.TryGetValue(id, out var run) && run.IsOpen)
            {
                var time = element.TryGetProperty("time", out var t) && t.TryGetDateTimeOffset(out var value) ? value : (DateTimeOffset?)null;
                runs[id] = run with { EndStatus = status, EndedAt = time, Started = status == AuditStatus.Abandoned ? run.Started : default };
            }
        }

        return new AuditRuns(runs);
    }

    private static (string Id, string Status, JsonElement Record)? Parse(string line)
    {
        if (line.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.TryGetProperty("id", out var id) && id.GetString() is { } idText
                && root.TryGetProperty("status", out var status) && status.GetString() is { } statusText
                ? (idText, statusText, root.Clone())
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
