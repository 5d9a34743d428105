using Gadugi.BuildExec.Core.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Reads the TRX a containerized test run left in the results directory, logs a summary, and fails the
/// build with a coded error when a test failed or the run ended without results.
/// </summary>
public sealed class ReadTestResults : ContextAwareTask
{
    private const int NamedFailures = 5;

    [Required]
    public string ProjectName { get; set; } = string.Empty;

    [Required]
    public string TrxFile { get; set; } = string.Empty;

    /// <summary>The test run's exit code (ContainerExec's ExitCode).</summary>
    public int ExitCode { get; set; }

    /// <summary>ContainerExec's KillReason: when set, ContainerExec already reported the kill.</summary>
    public string? KillReason { get; set; }

    [Output]
    public int Total { get; set; }

    [Output]
    public int Passed { get; set; }

    [Output]
    public int Failed { get; set; }

    [Output]
    public int Skipped { get; set; }

    [Output]
    public ITaskItem[] FailedTests { get; set; } = [];

    protected override bool ExecuteInner()
    {
        TaskResources = TaskMessages.ResourceManager;
        var killed = !string.IsNullOrWhiteSpace(KillReason);
        if (!File.Exists(TrxFile))
        {
            if (!killed)
            {
                Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.ContainerizedTestNoResults), ProjectName, ExitCode, TrxFile);
            }

            return !Log.HasLoggedErrors;
        }

        try
        {
            var summary = TrxSummary.Load(TrxFile);
            Total = summary.Total;
            Passed = summary.Passed;
            Failed = summary.Failed;
            Skipped = summary.Skipped;
            FailedTests = summary.Failures.Select(failure =>
            {
                var item = new TaskItem(ContainerExec.MSBuildEscape(failure.Name));
                item.SetMetadata("Message", ContainerExec.MSBuildEscape(failure.Message));
                return (ITaskItem)item;
            }).ToArray();

            Log.LogMessage(
                MessageImportance.High,
                "Containerized test run of {0}: {1} passed, {2} failed, {3} skipped, {4} total. Results: {5}",
                ProjectName,
                summary.Passed,
                summary.Failed,
                summary.Skipped,
                summary.Total,
                TrxFile);
            foreach (var failure in summary.Failures)
            {
                Log.LogMessage(MessageImportance.High, "  Failed {0}: {1}", failure.Name, failure.Message);
            }

            if (summary.Failed > 0)
            {
                var names = string.Join(", ", summary.Failures.Take(NamedFailures).Select(failure => failure.Name));
                if (summary.Failures.Count > NamedFailures)
                {
                    names += $" and {summary.Failures.Count - NamedFailures} more";
                }

                Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.ContainerizedTestsFailed), summary.Failed, summary.Total, ProjectName, names.Length > 0 ? names : "(see the TRX)", TrxFile);
            }
            else if (ExitCode != 0 && !killed)
            {
                Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.ContainerizedTestRunFailed), ProjectName, ExitCode, TrxFile);
            }
        }
        catch (GadugiException ex)
        {
            Log.Error(ex.Diagnostic, TrxFile);
        }

        return !Log.HasLoggedErrors;
    }
}
