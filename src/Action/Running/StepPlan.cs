using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>One line of the 'run' input and the command it becomes in its sandbox.</summary>
public sealed record PlannedStep(int Number, string Line, IReadOnlyList<string> Command);

/// <summary>
/// Turns the 'run' input into steps: one per non-empty line (lines starting with '#' are comments).
/// A line that names a file in the working directory is run as a script with bash; any other line
/// is a bash command line (<c>bash -c LINE</c>).
/// </summary>
public static class StepPlan
{
    public static IReadOnlyList<PlannedStep> Parse(string run, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(run);
        var steps = new List<PlannedStep>();
        foreach (var raw in run.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            steps.Add(new PlannedStep(steps.Count + 1, line, CommandFor(line, workingDirectory)));
        }

        return steps.Count > 0
            ? steps
            : throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionNoSteps)));
    }

    private static string[] CommandFor(string line, string workingDirectory) =>
        IsScriptPath(line, workingDirectory) ? ["bash", line] : ["bash", "-c", line];

    /// <summary>A single word that names an existing file below the working directory (bash need not find it executable).</summary>
    internal static bool IsScriptPath(string line, string workingDirectory)
    {
        if (line.Any(c => char.IsWhiteSpace(c) || c is ';' or '&' or '|' or '<' or '>' or '$' or '`' or '(' or ')' or '"' or '\'' or '*' or '?')
            || Path.IsPathRooted(line))
        {
            return false;
        }

        var root = Path.GetFullPath(workingDirectory);
        var full = Path.GetFullPath(Path.Combine(root, line));
        return full.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal) && File.Exists(full);
    }
}
