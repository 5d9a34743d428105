using System.CommandLine;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>gadugi-exec audit verify [FILE] [--expect-head HASH].</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("file") { Arity = ArgumentArity.ZeroOrOne, Description = "The audit log (default: $GADUGI_AUDIT_LOG or ~/.local/state/gadugi/audit.jsonl)." };
        var expectHead = new Option<string?>("--expect-head") { Description = "The head hash recorded earlier (e.g. in a job summary): detects a removed or altered tail." };
        var json = CliJson.CreateOption("the verdict and the runs (started, finished, abandoned, open)");
        var verify = new Command("verify", "Check the audit log's hash chain; reports the first broken or missing record. Exit 0 intact, 1 broken.") { file, expectHead, json };
        verify.SetAction(parse =>
        {
            var path = parse.GetValue(file)?.FullName ?? AuditLogLocation.Default();
            if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
            {
                return CliConsole.ReportError(new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.AuditLogNotFound), path)));
            }

            AuditVerification verdict;
            try
            {
                verdict = AuditVerifier.Verify(path, parse.GetValue(expectHead));
            }
            catch (GadugiException ex)
            {
                // Not a regular file: as untrustworthy as a broken chain.
                CliConsole.ReportError(ex);
                return 1;
            }

            if (parse.GetValue(json))
            {
                var runs = AuditRuns.Read(path);
                CliJson.Write(new
                {
                    File = path,
                    Intact = verdict.IsIntact,
                    verdict.Records,
                    Head = verdict.HeadHash,
                    verdict.BrokenLine,
                    verdict.Problem,
                    Runs = new { Started = runs.All.Count, Finished = runs.All.Count - runs.Open.Count - runs.Abandoned.Count, Abandoned = runs.Abandoned.Count, Open = runs.Open.Count },
                    AbandonedRuns = runs.Abandoned.Select(run => run.Describe()),
                    OpenRuns = runs.Open.Select(run => run.Describe()),
                });
                return verdict.IsIntact ? 0 : 1;
            }

            (verdict.IsIntact ? Console.Out : Console.Error).WriteLine($"{path}: {verdict}");
            ReportRuns(path);
            return verdict.IsIntact ? 0 : 1;
        });

        return new Command("audit", "Work with the audit log.") { verify };
    }

    /// <summary>Which runs the log shows started, finished, abandoned by a dead owner, or still open.</summary>
    private static void ReportRuns(string path)
    {
        var runs = AuditRuns.Read(path);
        var open = runs.Open;
        var abandoned = runs.Abandoned;
        Console.Out.WriteLine($"runs: {runs.All.Count} started, {runs.All.Count - open.Count - abandoned.Count} finished, {abandoned.Count} abandoned, {open.Count} open");
        foreach (var run in abandoned)
        {
            Console.Out.WriteLine($"abandoned: {run.Describe()}; recorded {run.EndedAt:u}");
        }

        if (open.Count > 0)
        {
            CliConsole.ReportWarning(Diagnostic.Create(nameof(DiagnosticMessages.AuditRunsOpen), open.Count, path, string.Join("; ", open.Select(run => run.Describe()))));
        }
    }
}
