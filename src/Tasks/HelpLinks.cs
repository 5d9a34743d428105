using System.Collections.Frozen;
using System.Text;
using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// The link of each code's section in docs/diagnostics.md (embedded at build time), as GitHub anchors
/// its headings: "## GBX4001 — The command failed" becomes "#gbx4001--the-command-failed".
/// </summary>
internal static partial class HelpLinks
{
    public const string Document = "https://github.com/gadugi/gadugi-buildexec/blob/main/docs/diagnostics.md";

    private static readonly Lazy<FrozenDictionary<string, string>> Anchors = new(ReadAnchors);

    /// <summary>The section of <paramref name="code"/>, or the document itself for a code it does not explain.</summary>
    public static string For(string? code) =>
        code is not null && Anchors.Value.TryGetValue(code, out var anchor) ? Document + "#" + anchor : Document;

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen.</summary>
    internal static string Slug(string heading)
    {
        var slug = new StringBuilder(heading.Length);
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    private static FrozenDictionary<string, string> ReadAnchors()
    {
        using var stream = typeof(HelpLinks).Assembly.GetManifestResourceStream("Gadugi.BuildExec.Tasks.diagnostics.md");
        if (stream is null)
        {
            return FrozenDictionary<string, string>.Empty;
        }

        using var reader = new StreamReader(stream);
        var anchors = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (Heading().Match(line) is { Success: true } heading)
            {
                anchors.TryAdd(heading.Groups["code"].Value, Slug(heading.Groups["text"].Value));
            }
        }

        return anchors.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^##\s+(?<text>(?<code>GBX\d{4})\b.*)$")]
    private static partial Regex Heading();
}
