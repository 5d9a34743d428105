namespace Gadugi.BuildExec.Action.Logging;

/// <summary>
/// Replaces registered secrets (the GitHub token) with "***" in every text the action prints or
/// writes to a file, including messages of exceptions that might echo a request back.
/// </summary>
public sealed class SecretRedactor
{
    private readonly List<string> _secrets = [];

    public void Add(string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 4 && !_secrets.Contains(secret, StringComparer.Ordinal))
        {
            _secrets.Add(secret);
        }
    }

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }
}
