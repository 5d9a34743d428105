namespace Gadugi.BuildExec.Core.Requests;

/// <summary>
/// What a caller asks to run, in the words it was given (CLI options, MSBuild task parameters,
/// Action inputs). <see cref="ExecutionRequests.Create"/> turns it into one <see cref="ExecutionRequest"/>.
/// </summary>
public sealed record RunSettings
{
    /// <summary>How this caller names its parameters and reports invalid ones.</summary>
    public required CallerConventions Caller { get; init; }

    /// <summary>argv; the first element is the program.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Policy name; null or blank means the default policy (shell).</summary>
    public string? Policy { get; init; }

    /// <summary>Policy file, relative to <see cref="BaseDirectory"/>; null or blank means none (or the caller's environment default).</summary>
    public string? PolicyFile { get; init; }

    /// <summary>
    /// Policies the caller already read from elsewhere (the Action reads a pull request's policy file
    /// from its base commit, never from the checkout); when set, <see cref="PolicyFile"/> is not read.
    /// </summary>
    public PolicySet? Policies { get; init; }

    /// <summary>Where relative paths start; the working directory when none is given.</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();

    public string? WorkingDirectory { get; init; }

    public string? InputDirectory { get; init; }

    public string? OutputDirectory { get; init; }

    /// <summary>
    /// Lets the working or input directory be the caller's home directory or one above it (refused
    /// otherwise, GBX1406); the CLI's <c>--allow-home</c>, ContainerExec's <c>AllowHomeDirectory</c>.
    /// </summary>
    public bool AllowHomeDirectory { get; init; }

    /// <summary>Replacements for the policy's values, as text.</summary>
    public PolicyOverrides Overrides { get; init; } = new();

    /// <summary>Variables for the command: NAME=VALUE entries (NAME alone copies the caller's value where the caller allows it).</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    public Stream? StandardInput { get; init; }

    public IOutputSink Output { get; init; } = NullOutputSink.Instance;
}
