using System.Globalization;
using System.Resources;

namespace Gadugi.BuildExec.Core.Diagnostics;

/// <summary>
/// One coded message from <c>DiagnosticMessages.resx</c>. Every resource value starts with its
/// code ("GBX2001: "), as dotnet/sdk's container tasks do, so the same resource file serves the
/// CLI, the MSBuild tasks (LogErrorWithCodeFromResources) and the Action.
/// </summary>
public sealed record Diagnostic(string ResourceName, string Code, string Text)
{
    public static ResourceManager Resources => DiagnosticMessages.ResourceManager;

    public static Diagnostic Create(string resourceName, params object?[] args)
    {
        var template = Resources.GetString(resourceName, CultureInfo.InvariantCulture)
            ?? throw new ArgumentException($"No diagnostic resource named '{resourceName}'.", nameof(resourceName));
        var formatted = args.Length == 0 ? template : string.Format(CultureInfo.InvariantCulture, template, args);
        var (code, text) = SplitCode(formatted);
        return new Diagnostic(resourceName, code, text);
    }

    /// <summary>Splits "GBX2001: text" into its code and text.</summary>
    public static (string Code, string Text) SplitCode(string value)
    {
        var colon = value.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0 || !value.StartsWith("GBX", StringComparison.Ordinal))
        {
            throw new FormatException($"Diagnostic text must start with 'GBXnnnn: ': {value}");
        }

        return (value[..colon], value[(colon + 2)..]);
    }

    /// <summary>All diagnostics the resource file defines, by resource name.</summary>
    public static IReadOnlyDictionary<string, string> All()
    {
        var set = Resources.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)
            ?? throw new InvalidOperationException("Diagnostic resources are missing.");
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in set)
        {
            all[(string)entry.Key] = (string)entry.Value!;
        }

        return all;
    }

    public override string ToString() => $"{Code}: {Text}";
}
