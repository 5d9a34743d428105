namespace Gadugi.BuildExec.Action.Reporting;

/// <summary>A compiler message placed on a workspace file, for the check run.</summary>
public sealed record Annotation(string Path, int Line, int? Column, AnnotationSeverity Severity, string? Code, string Message, int Step)
{
    /// <summary>The annotation's title when it is not a compiler message of a step (a failed test's name).</summary>
    public string? Title { get; init; }
}

/// <summary>
/// Places compiler messages on workspace-relative paths and keeps each distinct one once (MSBuild
/// repeats every message in its summary). Paths outside the workspace cannot be annotated and are
/// dropped; so is everything past <see cref="Limit"/>.
/// </summary>
public sealed class AnnotationCollector(string workspace, string workingDirectory)
{
    /// <summary>The sandbox mounts the working directory here.</summary>
    public const string SandboxWorkspace = "/workspace";

    public const int Limit = 1000;

    private readonly Lock _lock = new();
    private readonly List<Annotation> _annotations = [];
    private readonly HashSet<(string, int, int?, AnnotationSeverity, string?, string)> _seen = [];

    public IReadOnlyList<Annotation> Annotations
    {
        get
        {
            lock (_lock)
            {
                return _annotations.ToArray();
            }
        }
    }

    public int Dropped { get; private set; }

    public void Add(CompilerMessage message, int step)
    {
        ArgumentNullException.ThrowIfNull(message);
        var path = WorkspaceRelative(message.File);
        lock (_lock)
        {
            if (path is null || _annotations.Count >= Limit)
            {
                Dropped++;
                return;
            }

            if (_seen.Add((path, message.Line, message.Column, message.Severity, message.Code, message.Text)))
            {
                _annotations.Add(new Annotation(path, message.Line, message.Column, message.Severity, message.Code, message.Text, step));
            }
        }
    }

    /// <summary>The file as a '/'-separated path relative to the workspace, or null when it lies outside.</summary>
    public string? WorkspaceRelative(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var normalized = file.Replace('\\', '/');
        string full;
        if (normalized == SandboxWorkspace || normalized.StartsWith(SandboxWorkspace + "/", StringComparison.Ordinal))
        {
            full = Path.GetFullPath(workingDirectory + normalized[SandboxWorkspace.Length..]);
        }
        else if (Path.IsPathRooted(normalized))
        {
            // Absolute paths as this process sees them (the unsandboxed fallback runs here).
            full = Path.GetFullPath(normalized);
        }
        else
        {
            full = Path.GetFullPath(Path.Combine(workingDirectory, normalized));
        }

        var root = workspace.TrimEnd('/');
        return full.StartsWith(root + "/", StringComparison.Ordinal) ? full[(root.Length + 1)..] : null;
    }
}
