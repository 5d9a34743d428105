using System.Globalization;
using System.Resources;

namespace Gadugi.BuildExec.Core.Diagnostics;

/// <summary>
/// One coded message from a resource file: Core's <c>DiagnosticMessages.resx</c>, or an adapter's own
/// (the MSBuild tasks' 40xx, the Action's 50xx, the image builder's 11xx). Every resource value starts
/// with its code ("GBX2001: "), as dotnet/sdk's container tasks do, so MSBuild's
/// LogErrorWithCodeFromResources and <see cref="Create(string, object?[])"/> read the same text.
/// </summary>
public sealed record Diagnostic(string ResourceName, string Code, string Text)
{
    public static ResourceManager Resources => DiagnosticMessages.ResourceManager;

    public static Diagnostic Create(string resourceName, params object?[] args) => Create(Resources, resourceName, args);

    /// <summary>A message of another resource file (an adapter's own: the MSBuild tasks', the Action's, the image builder's).</summary>
    public static Diagnostic Create(ResourceManager resources, string resourceName, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var template = resources.GetString(resourceName, CultureInfo.InvariantCulture)
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
    public static IReadOnlyDictionary<string, string> All() => All(Resources);

    /// <summary>All diagnostics <paramref name="resources"/> defines, by resource name.</summary>
    public static IReadOnlyDictionary<string, string> All(ResourceManager resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var set = resources.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)
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
