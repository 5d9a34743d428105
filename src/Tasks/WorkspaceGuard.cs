using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.FileSystem;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Refuses a computed sandbox workspace that would expose far more than the project: the file system
/// root, the user's home directory, or a directory above it (<see cref="WorkspaceBreadth"/>, the rule
/// the CLI and the Action apply too).
/// </summary>
public static class WorkspaceGuard
{
    /// <summary>Throws GBX4051 when <paramref name="workspace"/> is too wide; <paramref name="setting"/> names the property that fixes it.</summary>
    public static void EnsureNarrow(string workspace, string projectName, string setting, string? home = null)
    {
        if (WorkspaceBreadth.TooWide(workspace, home) is { } what)
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspace));
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.WorkspaceTooWide), projectName, full, what, setting));
        }
    }
}
