using System.Text;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// Keeps the credential that actions/checkout persists (its default 'persist-credentials: true')
/// away from the sandboxes. Checkout writes <c>http.&lt;url&gt;.extraheader = AUTHORIZATION: basic
/// base64(x-access-token:TOKEN)</c> into the config of every repository it checks out (each
/// <c>path:</c>, and each submodule's config under .git/modules), and the workspace, .git included,
/// is mounted into every sandbox. While the steps run, those lines are taken out of every config
/// <see cref="GitConfigFinder"/> finds under the workspace and the working directory; afterwards they
/// are put back, so later steps of the job (a 'git push') still work. The credential is registered as
/// a secret either way. Only the action's own process reads and writes these files; the sandboxes see
/// them scrubbed.
/// A step with a writable workspace may replace a config file meanwhile. The credential is put back
/// only where the path is still a regular file under the workspace with no link on the way (a step's
/// own edits to that file are kept); the new content is written to a fresh file in the same directory
/// and renamed over the path, so nothing a step planted is followed. Where the file was replaced by a
/// link, a directory or nothing, no credential is written and warning GBX5054 says so.
/// </summary>
public sealed partial class CheckoutCredentialShield : IDisposable
{
    /// <summary>A config file larger than this after the steps is not read back: no step has a reason to grow it.</summary>
    private const long MaxConfigLength = 16 * 1024 * 1024;

    private readonly List<HiddenFile> _files;
    private readonly string _workspace;
    private readonly ActionConsole _console;

    private CheckoutCredentialShield(List<HiddenFile> files, string workspace, ActionConsole console)
    {
        _files = files;
        _workspace = workspace;
        _console = console;
    }

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
        foreach (var (root, path) in GitConfigFinder.Find(workspace, workingDirectory))
        {
            string original;
            try
            {
                if (new FileInfo(path).Length is 0 or > MaxConfigLength)
                {
                    continue;
                }

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
            hidden.Add(new HiddenFile(root, path, original, scrubbed, removed));
        }

        return new CheckoutCredentialShield(hidden, Path.GetFullPath(workspace), console);
    }

    /// <summary>
    /// Puts the hidden lines back where the file is still a regular file: the original file if the
    /// steps left it alone, else the lines appended in their sections. Elsewhere warns (GBX5054).
    /// </summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            string? problem;
            try
            {
                problem = Restore(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = "it could not be written (" + ex.Message + ")";
            }

            if (problem is not null)
            {
                // The credential stays hidden: later git commands that need it fail loudly, nothing leaks.
                _console.Warning(Diagnostic.Create(
                    ActionMessages.ResourceManager, nameof(ActionMessages.ActionCheckoutCredentialNotRestored),
                    Path.GetRelativePath(_workspace, file.Path).Replace('\\', '/'),
                    problem));
            }
        }

        _files.Clear();
    }

    /// <summary>Writes the credential back into <paramref name="file"/>; returns why not when it must not.</summary>
    private static string? Restore(HiddenFile file)
    {
        if (GitConfigFinder.PlainPathProblem(file.Root, file.Path) is { } problem)
        {
            return problem;
        }

        var info = new FileInfo(file.Path);
        if (info.Length > MaxConfigLength)
        {
            return "it grew beyond " + MaxConfigLength / (1024 * 1024) + " MiB";
        }

        // A FIFO or device shows length 0; reading it could block, and there is nothing to keep in it.
        var current = info.Length == 0 ? string.Empty : File.ReadAllText(file.Path);
        string restored;
        if (string.Equals(current, file.Scrubbed, StringComparison.Ordinal))
        {
            restored = file.Original;
        }
        else
        {
            var text = new StringBuilder(current.EndsWith('\n') || current.Length == 0 ? current : current + "\n");
            foreach (var (section, line) in file.Removed)
            {
                text.Append(section).Append('\n').Append(line).Append('\n');
            }

            restored = text.ToString();
        }

        // Checked again right before the rename: the rename replaces a link planted at the path, never follows it.
        if (GitConfigFinder.PlainPathProblem(file.Root, file.Path) is { } late)
        {
            return late;
        }

        ReplaceFile(file.Path, restored);
        return null;
    }

    /// <summary>Writes a new file next to <paramref name="path"/> and renames it over the path.</summary>
    private static void ReplaceFile(string path, string content)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + ".gadugi-" + Guid.NewGuid().ToString("N"));
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path);
        try
        {
            // CreateNew: a name planted meanwhile (a link included) makes this fail, never followed.
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = new UTF8Encoding(false).GetBytes(content);
                stream.Write(bytes);
            }

            if (mode is { } unixMode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, unixMode);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary) && new FileInfo(temporary).LinkTarget is null)
            {
                File.Delete(temporary);
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

    private sealed record HiddenFile(string Root, string Path, string Original, string Scrubbed, List<(string Section, string Line)> Removed);
}
