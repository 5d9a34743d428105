using System.Text.Json;
using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Benchmarks.Soak;

/// <summary>The audit log after the soak: its verdict, and each execution's records found by the marker in its argv.</summary>
internal sealed class SoakAudit
{
    private readonly Dictionary<string, List<(string Id, string Status)>> _byMarker = new(StringComparer.Ordinal);

    private SoakAudit(string path)
    {
        Verdict = AuditVerifier.Verify(path);
        foreach (var line in File.ReadLines(path).Where(line => line.Length > 0))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var status = root.GetProperty("status").GetString()!;
            Records++;
            Started += status == AuditStatus.Started ? 1 : 0;
            ByStatus[status] = ByStatus.GetValueOrDefault(status) + 1;
            var argv = root.GetProperty("argv");
            if (argv.GetArrayLength() > 0 && argv[argv.GetArrayLength() - 1].GetString() is { } marker && marker.StartsWith("soak-", StringComparison.Ordinal))
            {
                if (!_byMarker.TryGetValue(marker, out var records))
                {
                    _byMarker[marker] = records = [];
                }

                records.Add((root.GetProperty("id").GetString()!, status));
            }
        }

        Runs = AuditRuns.Read(path);
    }

    public AuditVerification Verdict { get; }

    public AuditRuns Runs { get; }

    public int Records { get; }

    public int Started { get; }

    public Dictionary<string, int> ByStatus { get; } = new(StringComparer.Ordinal);

    public static SoakAudit Read(string path) => new(path);

    /// <summary>The status of the record that ended the execution with this marker, or null when none did (unrecorded).</summary>
    public string? Ending(SoakCase soakCase) =>
        _byMarker.TryGetValue(soakCase.Marker, out var records)
            ? records.FirstOrDefault(record => record.Status != AuditStatus.Started).Status
            : null;

    /// <summary>True when the execution has a 'started' record that nothing ended.</summary>
    public bool IsOpen(SoakCase soakCase) =>
        _byMarker.TryGetValue(soakCase.Marker, out var records)
        && records.Any(record => record.Status == AuditStatus.Started && Runs.Find(record.Id) is { IsOpen: true });
}
