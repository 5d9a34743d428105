using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>Where the audit log lives when the caller does not say: $GADUGI_AUDIT_LOG, else the user's state directory.</summary>
public static class AuditLogLocation
{
    public static string Default()
    {
        var explicitPath = Environment.GetEnvironmentVariable("GADUGI_AUDIT_LOG");
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Path.GetFullPath(explicitPath);
        }

        // A relative XDG_STATE_HOME is invalid (XDG base directory spec); a home directory that does
        // not exist yet is still the user's (GetFolderPath would answer "" for it, and the log would
        // land relative to the current directory, possibly in the workspace a sandbox mounts).
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrWhiteSpace(stateHome) || !Path.IsPathRooted(stateHome))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
            stateHome = Path.IsPathRooted(home)
                ? Path.Combine(home, ".local", "state")
                : PrivateFallback(Path.Combine(Path.GetTempPath(), $"gadugi-state-{Environment.UserName}"));
        }

        return Path.Combine(stateHome, "gadugi", "audit.jsonl");
    }

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// The shared temporary directory is everyone's: the fallback is used only when it is a real
    /// directory of mode 0700 (created so here), because one another user made first could redirect
    /// or forge audit records. Another user's 0700 directory is unreadable, so writing then fails.
    /// </summary>
    internal static string PrivateFallback(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path, OwnerOnly);
            var directory = new DirectoryInfo(path);
            if (directory.LinkTarget is not null)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.StateDirectoryUnsafe), path, "it is a link to " + directory.LinkTarget));
            }

            if (directory.UnixFileMode != OwnerOnly)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.StateDirectoryUnsafe), path, $"its mode is {Convert.ToString((int)directory.UnixFileMode, 8)}, not 700"));
            }
        }

        return path;
    }
}
