using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>One command to run in a fresh sandbox.</summary>
public sealed record ExecutionRequest
{
    /// <summary>argv; the first element is the program, resolved on the image's PATH.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public required SandboxPolicy Policy { get; init; }

    /// <summary>Host directory mounted at /workspace and used as the working directory.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Host directory mounted read-only at /input, if any.</summary>
    public string? InputDirectory { get; init; }

    /// <summary>Host directory that receives what the command wrote to /output, if any.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Variables passed to the command; every name must be on the policy's allowlist.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Piped to the command's stdin when set; otherwise stdin is empty.</summary>
    public Stream? StandardInput { get; init; }

    /// <summary>Receives stdout and stderr as they arrive.</summary>
    public IOutputSink Output { get; init; } = NullOutputSink.Instance;

    /// <summary>
    /// Lets the working or input directory be the caller's home directory or one above it (refused
    /// otherwise, GBX1406: the sandbox would see every key and token there).
    /// </summary>
    public bool AllowHomeDirectory { get; init; }

    /// <summary>
    /// Hides Git's metadata from the sandbox: the workspace's '.git' (directory or worktree link),
    /// the nested ones, and the Git directories they name inside the workspace are masked by empty
    /// read-only mounts, whether the workspace is mounted read-write or read-only (a workflow's
    /// <c>isolation: directory</c>).
    /// </summary>
    internal bool HideGitMetadata { get; init; }

    /// <summary>
    /// Allocates a pseudo-terminal of this size for the command (as <c>docker run -t</c>): it sees a
    /// terminal on stdin, stdout and stderr, and both output streams arrive as one, on stdout.
    /// </summary>
    public TerminalSize? Terminal { get; init; }

    /// <summary>Forwards signals and terminal sizes to the running command; null when the caller has none to give.</summary>
    public CommandControl? Control { get; init; }

    /// <summary>Who asks, for the audit record: "cli", "msbuild", "action", "library".</summary>
    public string Caller { get; init; } = "library";

    /// <summary>
    /// The execution id to use (12 lower-case hex digits), so a caller can record it before the sandbox
    /// starts (a workflow's journal); null means a fresh random one.
    /// </summary>
    public string? ExecutionId { get; init; }

    /// <summary>
    /// What the caller wants every audit record of this execution to carry besides the run itself
    /// (a workflow's run, task, phase and step; a hook's event and tool name). Names and values are text.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}
