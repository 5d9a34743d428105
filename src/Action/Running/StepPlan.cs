using System.Globalization;
using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>One line of the 'run' input and the command it becomes in its sandbox.</summary>
public sealed record PlannedStep(int Number, string Line, IReadOnlyList<string> Command);

/// <summary>
/// Turns the 'run' input into steps. In script mode (the default) the whole block is one bash script
/// in one sandbox, run as GitHub runs a step's 'run:' (<c>bash -e</c>: the first failing command ends
/// it), so 'if', 'for', '\' continuations, heredocs, 'cd' and variables span lines. In lines mode each
/// non-empty line is a step in a fresh sandbox (lines starting with '#' are comments). Either way, a
/// single line that names a file in the working directory is run as a script with bash; any other
/// line is a bash command line (<c>bash -c LINE</c>).
/// </summary>
public static class StepPlan
{
    public static IReadOnlyList<PlannedStep> Parse(string run, string workingDirectory, RunMode mode)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (mode == RunMode.Lines)
        {
            return Parse(run, workingDirectory);
        }

        var script = run.Replace("\r\n", "\n", StringComparison.Ordinal);
        var lines = script.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToArray();
        if (lines.Length == 0)
        {
            throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionNoSteps)));
        }

        if (lines.Length == 1 && IsScriptPath(lines[0], workingDirectory))
        {
            return [new PlannedStep(1, lines[0], ["bash", "-e", lines[0]])];
        }

        // bash -c reads the script as a file would be read: one command at a time, so a heredoc or a
        // compound command spanning lines is one command. No profile or rc file: nothing but the script.
        var shown = lines.Length == 1 ? lines[0] : string.Create(CultureInfo.InvariantCulture, $"{lines[0]} … ({lines.Length} lines)");
        return [new PlannedStep(1, shown, ["bash", "--noprofile", "--norc", "-e", "-c", script])];
    }

    /// <summary>Lines mode: one step per non-empty, non-comment line.</summary>
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
