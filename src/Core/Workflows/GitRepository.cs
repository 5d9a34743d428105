using System.Diagnostics;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// The host's git, run so that nothing a sandbox wrote into a worktree can make it run code: hooks
/// point at /dev/null, fsmonitor and the untracked cache are off, commits are unsigned (no gpg program
/// from a config), and the worktree may be owned by the sandbox user (safe.directory).
/// </summary>
internal static class GitRepository
{
    private static readonly string[] Hardening =
    [
        "-c", "core.hooksPath=/dev/null",
        "-c", "core.fsmonitor=false",
        "-c", "core.untrackedCache=false",
        "-c", "commit.gpgSign=false",
        "-c", "safe.directory=*",
        "-c", "user.name=gadugi-exec",
        "-c", "user.email=gadugi-exec@localhost",
    ];

    /// <summary>The top of the work tree holding <paramref name="directory"/>; null when git is missing or it is not in one.</summary>
    public static string? TopLevel(string directory)
    {
        try
        {
            var (code, stdout, _) = RunAsync(directory, ["rev-parse", "--show-toplevel"], CancellationToken.None).GetAwaiter().GetResult();
            return code == 0 ? stdout.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public static async Task<string> HeadAsync(string directory, CancellationToken cancellationToken) =>
        (await RequireAsync(directory, ["rev-parse", "HEAD"], cancellationToken).ConfigureAwait(false)).Trim();

    public static Task AddWorktreeAsync(string root, string path, string branch, string startPoint, CancellationToken cancellationToken) =>
        RequireAsync(root, ["worktree", "add", "--quiet", "-b", branch, path, startPoint], cancellationToken);

    public static Task RemoveWorktreeAsync(string root, string path, CancellationToken cancellationToken) =>
        RequireAsync(root, ["worktree", "remove", "--force", path], cancellationToken);

    /// <summary>Commits everything in the work tree (an empty commit when nothing changed); the new commit.</summary>
    public static async Task<string> CommitAllAsync(string directory, string message, CancellationToken cancellationToken)
    {
        await RequireAsync(directory, ["add", "--all", "--", ".", ":(exclude).gadugi", ":(exclude).worktrees"], cancellationToken).ConfigureAwait(false);
        await RequireAsync(directory, ["commit", "--quiet", "--no-verify", "--allow-empty", "-m", message], cancellationToken).ConfigureAwait(false);
        return await HeadAsync(directory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts the work tree back to <paramref name="commit"/>: tracked files reset, everything untracked removed (but the run's own state).</summary>
    public static async Task ResetAsync(string directory, string commit, CancellationToken cancellationToken)
    {
        await RequireAsync(directory, ["reset", "--quiet", "--hard", commit], cancellationToken).ConfigureAwait(false);
        await RequireAsync(directory, ["clean", "-ffdxq", "-e", "/.gadugi/", "-e", "/.worktrees/"], cancellationToken).ConfigureAwait(false);
    }

    public static async Task<string> RequireAsync(string directory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (code, stdout, stderr) = await RunAsync(directory, arguments, cancellationToken).ConfigureAwait(false);
        return code == 0
            ? stdout
            : throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowGitFailed), "git " + string.Join(' ', arguments), directory, code, stderr.Trim()));
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string directory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(directory);
        foreach (var argument in Hardening.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
