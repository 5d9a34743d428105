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

        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrWhiteSpace(stateHome))
        {
            stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(stateHome, "gadugi", "audit.jsonl");
    }
}
