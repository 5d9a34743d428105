namespace Gadugi.BuildExec.Core.FileSystem;

/// <summary>
/// Whether a directory is too wide to mount into a sandbox: the file system root, the user's home
/// directory, or a directory above it (the home holds keys, tokens, shell history and the package
/// caches of every project). One rule for the CLI, the MSBuild tasks and the Action.
/// </summary>
public static class WorkspaceBreadth
{
    /// <summary>What <paramref name="directory"/> is when it is too wide ("the home directory", …); null when it is narrow enough.</summary>
    public static string? TooWide(string directory, string? home = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (full.Length == 0 || full == Path.GetPathRoot(full) || full == Path.DirectorySeparatorChar.ToString())
        {
            return "the file system root";
        }

        home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrWhiteSpace(home))
        {
            return null;
        }

        foreach (var candidate in Homes(home))
        {
            if (full == candidate)
            {
                return "the home directory";
            }

            if (candidate.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return "above the home directory " + candidate;
            }
        }

        return null;
    }

    /// <summary>The home as given and, where it differs, with its links resolved.</summary>
    private static IEnumerable<string> Homes(string home)
    {
        var given = Path.TrimEndingDirectorySeparator(Path.GetFullPath(home));
        yield return given;
        if (Posix.Supported && Posix.RealPath(given) is { } real && real != given)
        {
            yield return real;
        }
    }
}
