using System.Text;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Logging;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// Keeps the credential that actions/checkout persists (its default 'persist-credentials: true')
/// away from the sandboxes. Checkout writes <c>http.&lt;url&gt;.extraheader = AUTHORIZATION: basic
/// base64(x-access-token:TOKEN)</c> into .git/config (and each submodule's config under
/// .git/modules), and the working directory, .git included, is mounted into every sandbox. While
/// the steps run, those lines are taken out of the files; afterwards they are put back, so later
/// steps of the job (a 'git push') still work. The credential is registered as a secret either way.
/// Only the action's own process reads and writes these files; the sandboxes see them scrubbed.
/// </summary>
public sealed partial class CheckoutCredentialShield : IDisposable
{
    private readonly List<HiddenFile> _files;

    private CheckoutCredentialShield(List<HiddenFile> files) => _files = files;

    /// <summary>The config files whose credential lines are hidden while the shield is up.</summary>
    public IReadOnlyList<string> Files => _files.Select(file => file.Path).ToArray();

    [GeneratedRegex(@"^[ \t]*extraheader[ \t]*=[^\n]*\n?", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex ExtraHeaderLine();

    [GeneratedRegex(@"^[ \t]*\[[^\n]*\][ \t]*$", RegexOptions.Multiline)]
    private static partial Regex SectionHeader();

    [GeneratedRegex(@"\b(basic|bearer|token)[ \t]+([^\s""]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Credential();

    /// <summary>Scrubs the git config files under the workspace and the working directory; masks what they held.</summary>
    public static CheckoutCredentialShield Raise(string workspace, string workingDirectory, ActionConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var hidden = new List<HiddenFile>();
        foreach (var path in ConfigFiles(workspace).Concat(ConfigFiles(workingDirectory)).Distinct(StringComparer.Ordinal))
        {
            string original;
            try
            {
                original = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var removed = new List<(string Section, string Line)>();
            var scrubbed = ExtraHeaderLine().Replace(original, match =>
            {
                var line = match.Value.TrimEnd('\n');
                removed.Add((SectionOf(original, match.Index), line));
                foreach (Match credential in Credential().Matches(line))
                {
                    MaskCredential(credential.Groups[1].Value, credential.Groups[2].Value, console);
                }

                return string.Empty;
            });
            if (removed.Count == 0)
            {
                continue;
            }

            File.WriteAllText(path, scrubbed, new UTF8Encoding(false));
            hidden.Add(new HiddenFile(path, original, scrubbed, removed));
        }

        return new CheckoutCredentialShield(hidden);
    }

    /// <summary>Puts the hidden lines back: the original file if the steps left it alone, else the lines appended in their sections.</summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            try
            {
                var current = File.Exists(file.Path) ? File.ReadAllText(file.Path) : null;
                if (current is null)
                {
                    continue;
                }

                if (string.Equals(current, file.Scrubbed, StringComparison.Ordinal))
                {
                    File.WriteAllText(file.Path, file.Original, new UTF8Encoding(false));
                }
                else
                {
                    var text = new StringBuilder(current.EndsWith('\n') || current.Length == 0 ? current : current + "\n");
                    foreach (var (section, line) in file.Removed)
                    {
                        text.Append(section).Append('\n').Append(line).Append('\n');
                    }

                    File.WriteAllText(file.Path, text.ToString(), new UTF8Encoding(false));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The credential stays hidden: later git commands that need it fail loudly, nothing leaks.
            }
        }

        _files.Clear();
    }

    private static IEnumerable<string> ConfigFiles(string root)
    {
        var git = Path.Combine(root, ".git");
        if (!Directory.Exists(git))
        {
            yield break;
        }

        var config = Path.Combine(git, "config");
        if (File.Exists(config))
        {
            yield return config;
        }

        var modules = Path.Combine(git, "modules");
        if (Directory.Exists(modules))
        {
            foreach (var path in Directory.EnumerateFiles(modules, "config", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                yield return path;
            }
        }
    }

    private static string SectionOf(string text, int index)
    {
        var header = SectionHeader().Matches(text[..index]).LastOrDefault();
        return header?.Value.Trim() ?? "[http]";
    }

    private static void MaskCredential(string scheme, string value, ActionConsole console)
    {
        console.Mask(value);
        if (!scheme.Equals("basic", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            console.Mask(colon >= 0 ? decoded[(colon + 1)..] : decoded);
        }
        catch (FormatException)
        {
            // Not base64: the value itself is masked.
        }
    }

    private sealed record HiddenFile(string Path, string Original, string Scrubbed, List<(string Section, string Line)> Removed);
}
