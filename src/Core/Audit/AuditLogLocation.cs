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
                : Path.Combine(Path.GetTempPath(), $"gadugi-state-{Environment.UserName}");
        }

        return Path.Combine(stateHome, "gadugi", "audit.jsonl");
    }
}
