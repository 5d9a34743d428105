using System.Text;

namespace Gadugi.BuildExec.Action.Logging;

/// <summary>
/// Replaces registered secrets (the GitHub token) with "***" in every text the action prints,
/// writes to a file or sends to GitHub, including messages of exceptions that might echo a request
/// back. A secret is also known in the forms it takes in the wild: its base64 encoding at each of
/// the three byte alignments (so it is found inside a longer base64 text, such as the
/// <c>AUTHORIZATION: basic base64(x-access-token:TOKEN)</c> header that actions/checkout persists in
/// .git/config) and that basic header's value itself.
/// </summary>
public sealed class SecretRedactor
{
    /// <summary>Shorter secrets (and base64 fragments) are not worth masking: they would hide ordinary text.</summary>
    private const int MinLength = 4;

    private readonly Lock _lock = new();
    private readonly List<string> _secrets = [];

    /// <summary>The user name git and GitHub use with a token in HTTP basic authentication.</summary>
    public const string BasicUser = "x-access-token";

    /// <summary>Every text that is masked, longest first.</summary>
    public IReadOnlyList<string> Secrets
    {
        get
        {
            lock (_lock)
            {
                return _secrets.ToArray();
            }
        }
    }

    /// <summary>Registers a secret and its encoded forms; returns the forms that were new.</summary>
    public IReadOnlyList<string> Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinLength)
        {
            return [];
        }

        var added = new List<string>();
        lock (_lock)
        {
            foreach (var form in Forms(secret).Where(form => form.Length >= MinLength).Distinct(StringComparer.Ordinal))
            {
                if (!_secrets.Contains(form, StringComparer.Ordinal))
                {
                    _secrets.Add(form);
                    added.Add(form);
                }
            }

            _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        }

        return added;
    }

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in Secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The secret, its base64 forms at each alignment, and the basic-authentication value.</summary>
    public static IEnumerable<string> Forms(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        yield return secret;
        var bytes = Encoding.UTF8.GetBytes(secret);
        for (var shift = 0; shift < 3; shift++)
        {
            yield return Base64Core(bytes, shift);
        }

        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(BasicUser + ":" + secret));
    }

    /// <summary>
    /// The base64 characters that depend on the secret alone when it starts <paramref name="shift"/>
    /// bytes into a longer text: leading characters mixed with earlier bytes and trailing ones mixed
    /// with later bytes (or padding) are left out.
    /// </summary>
    private static string Base64Core(byte[] secret, int shift)
    {
        var padded = new byte[shift + secret.Length];
        secret.CopyTo(padded, shift);
        var encoded = Convert.ToBase64String(padded).TrimEnd('=');
        var start = ((shift * 8) + 5) / 6;
        var end = padded.Length * 8 / 6;
        return end > start ? encoded[start..end] : string.Empty;
    }
}
