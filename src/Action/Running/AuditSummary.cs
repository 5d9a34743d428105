using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// The audit log after the run: the chain verified from its first record and anchored to the hash of
/// the last record this run appended (what <c>audit verify --expect-head</c> checks), and every record
/// this run appended still in it. The head hash is what a reviewer compares against a copy kept elsewhere.
/// </summary>
/// <param name="Path">The log as the runner's host sees it (the 'audit_log' output).</param>
public sealed record AuditSummary(string Path, bool Exists, AuditVerification? Verification, int RunRecords, int RunRecordsPresent)
{
    /// <summary>Why the log could not be read at all (not a regular file, GBX1310), when it could not.</summary>
    public string? Unreadable { get; init; }

    public bool IsIntact => Exists && Unreadable is null && Verification is { IsIntact: true } && RunRecordsPresent == RunRecords;

    public string? HeadHash => Verification?.HeadHash;

    public string Describe() => Unreadable is { } unreadable
        ? unreadable
        : !Exists
            ? "no audit log was written"
            : Verification is not { IsIntact: true } verification
                ? Verification?.ToString() ?? "not verified"
                : RunRecordsPresent != RunRecords
                    ? $"chain intact, but only {RunRecordsPresent} of the {RunRecords} records this run wrote are in it: the log was rewritten during the run"
                    : $"{verification.Records} record(s), chain intact, {RunRecords} from this run";

    public static AuditSummary Read(string path, string displayPath, IEnumerable<string> runRecordHashes)
    {
        ArgumentNullException.ThrowIfNull(runRecordHashes);
        var expected = runRecordHashes.ToList();
        if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            return new AuditSummary(displayPath, false, null, expected.Count, 0);
        }

        try
        {
            // The head must be this run's last record: anything appended or cut after it shows.
            var verification = AuditVerifier.Verify(path, expected.Count > 0 ? expected[^1] : null);
            var lineHashes = AuditVerifier.ReadLines(path).Where(line => line.Length > 0).Select(line => AuditChain.HashLine(line)).ToHashSet(StringComparer.Ordinal);
            return new AuditSummary(displayPath, true, verification, expected.Count, expected.Count(lineHashes.Contains));
        }
        catch (GadugiException ex)
        {
            return new AuditSummary(displayPath, true, null, expected.Count, 0) { Unreadable = ex.Message };
        }
    }
}
