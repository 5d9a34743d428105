using System.Text;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>Rows as plain text: each column as wide as its widest cell, two spaces between, no wrapping, no borders.</summary>
internal static class PlainColumns
{
    public static string Format(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((title, i) => rows.Select(row => row[i].Length).Append(title.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows.Prepend([.. header]))
        {
            text.AppendJoin("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).Append('\n');
        }

        return text.ToString();
    }
}
