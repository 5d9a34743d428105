using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Refuses a computed sandbox workspace that would expose far more than the project: the file system
/// root, the user's home directory, or a directory above it (the home holds keys, tokens and the
/// NuGet cache of every project).
/// </summary>
public static class WorkspaceGuard
{
    /// <summary>Throws GBX4051 when <paramref name="workspace"/> is too wide; <paramref name="setting"/> names the property that fixes it.</summary>
    public static void EnsureNarrow(string workspace, string projectName, string setting, string? home = null)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspace));
        if (full.Length == 0 || full == Path.GetPathRoot(full) || full == Path.DirectorySeparatorChar.ToString())
        {
            throw TooWide(projectName, full, "the file system root", setting);
        }

        home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrWhiteSpace(home))
        {
            return;
        }

        home = Path.TrimEndingDirectorySeparator(Path.GetFullPath(home));
        if (full == home)
        {
            throw TooWide(projectName, full, "the home directory", setting);
        }

        if (home.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw TooWide(projectName, full, "above the home directory " + home, setting);
        }
    }

    private static GadugiException TooWide(string projectName, string workspace, string what, string setting) =>
        new(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.WorkspaceTooWide), projectName, workspace, what, setting));
}
