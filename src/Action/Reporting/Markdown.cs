using System.Net;
using System.Text;

namespace Gadugi.BuildExec.Action.Reporting;

/// <summary>Escaping for text that untrusted commands may have written, so it cannot break out of its place in the markdown.</summary>
public static class Markdown
{
    /// <summary>Inline code for a table cell: HTML-encoded (no markdown or HTML inside survives), pipes encoded, one line, bounded.</summary>
    public static string CodeCell(string text, int maxLength = 120)
    {
        ArgumentNullException.ThrowIfNull(text);
        var oneLine = RemoveControl(text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal));
        if (oneLine.Length > maxLength)
        {
            oneLine = oneLine[..(maxLength - 1)] + "…";
        }

        return "<code>" + WebUtility.HtmlEncode(oneLine).Replace("|", "&#124;", StringComparison.Ordinal) + "</code>";
    }

    /// <summary>A fenced code block whose fence is longer than any backtick run in the text, so the text cannot close it.</summary>
    public static string Fence(IEnumerable<string> lines, string info = "text")
    {
        ArgumentNullException.ThrowIfNull(lines);
        var body = string.Join('\n', lines.Select(RemoveControl));
        var longest = 0;
        var run = 0;
        foreach (var c in body)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}{info}\n{body}\n{fence}";
    }

    /// <summary>Plain text with markdown and HTML meaning removed.</summary>
    public static string Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in RemoveControl(text.Replace('\n', ' ')))
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '#' or '|' or '~' or '!')
            {
                builder.Append('\\');
            }

            builder.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    private static string RemoveControl(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsControl(c) || c is '\n' or '\t')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
