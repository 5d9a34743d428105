using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// The audit log after the run: the chain verified from its first record, and every record this run
/// appended still in it. The head hash is what a reviewer compares against a copy kept elsewhere.
/// </summary>
public sealed record AuditSummary(string RelativePath, bool Exists, AuditVerification? Verification, int RunRecords, int RunRecordsPresent)
{
    public bool IsIntact => Exists && Verification is { IsIntact: true } && RunRecordsPresent == RunRecords;

    public string? HeadHash => Verification?.HeadHash;

    public string Describe() => !Exists
        ? "no audit log was written"
        : Verification is not { IsIntact: true } verification
            ? Verification?.ToString() ?? "not verified"
            : RunRecordsPresent != RunRecords
                ? $"chain intact, but only {RunRecordsPresent} of the {RunRecords} records this run wrote are in it: the log was rewritten during the run"
                : $"{verification.Records} record(s), chain intact, {RunRecords} from this run";

    public static AuditSummary Read(string path, string relativePath, IEnumerable<string> runRecordHashes)
    {
        ArgumentNullException.ThrowIfNull(runRecordHashes);
        var expected = runRecordHashes.ToList();
        if (!File.Exists(path))
        {
            return new AuditSummary(relativePath, false, null, expected.Count, 0);
        }

        var verification = AuditVerifier.Verify(path);
        var lineHashes = File.ReadLines(path).Where(line => line.Length > 0).Select(AuditChain.HashLine).ToHashSet(StringComparer.Ordinal);
        return new AuditSummary(relativePath, true, verification, expected.Count, expected.Count(lineHashes.Contains));
    }
}
