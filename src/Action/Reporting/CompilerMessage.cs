using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Action.Reporting;

public enum AnnotationSeverity
{
    Warning,
    Error,
}

/// <summary>A 'file(line,col): error CODE: text' line, as MSBuild, csc, tsc and many linters print them.</summary>
public sealed record CompilerMessage(string File, int Line, int? Column, AnnotationSeverity Severity, string? Code, string Text);

/// <summary>Recognises canonical compiler messages in output lines.</summary>
public static partial class CompilerMessageParser
{
    // file(line) | file(line,col) | file(line,col,endLine,endCol) : error|warning [CODE] : text [project]
    [GeneratedRegex(
        @"^\s*(?<file>[^\s(:][^(]*?)\((?<line>\d{1,7})(?:,(?<col>\d{1,5}))?(?:,\d{1,7},\d{1,5})?\)\s*:\s*(?<severity>error|warning)(?:\s+(?<code>[A-Za-z][A-Za-z0-9_.-]{0,30}))?\s*:\s*(?<text>.+?)\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Canonical();

    [GeneratedRegex(@"\s+\[[^\[\]]+\.(?:cs|vb|fs)proj(?:::TargetFramework=[^\]]*)?\]$", RegexOptions.CultureInvariant)]
    private static partial Regex MsBuildProjectSuffix();

    public static CompilerMessage? TryParse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length > 4096 || !line.Contains("): ", StringComparison.Ordinal) && !line.Contains(") :", StringComparison.Ordinal))
        {
            return null;
        }

        Match match;
        try
        {
            match = Canonical().Match(line);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }

        if (!match.Success)
        {
            return null;
        }

        var severity = match.Groups["severity"].Value.Equals("error", StringComparison.OrdinalIgnoreCase) ? AnnotationSeverity.Error : AnnotationSeverity.Warning;
        var text = MsBuildProjectSuffix().Replace(match.Groups["text"].Value, string.Empty);
        int? column = match.Groups["col"].Success ? int.Parse(match.Groups["col"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        return new CompilerMessage(
            match.Groups["file"].Value.Trim(),
            int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
            column,
            severity,
            match.Groups["code"].Success ? match.Groups["code"].Value : null,
            text);
    }
}
