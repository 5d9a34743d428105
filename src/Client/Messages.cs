using System.Globalization;
using System.Resources;

namespace Gadugi.BuildExec.Client;

/// <summary>The coded texts this program says (only on failure): its own, and Core's for a lost service.</summary>
internal static class Messages
{
    public static readonly ResourceManager Client = new("Gadugi.BuildExec.Client.ClientMessages", typeof(Messages).Assembly);

    public static readonly ResourceManager Core = new("Gadugi.BuildExec.Core.Diagnostics.DiagnosticMessages", typeof(Messages).Assembly);

    public static string Format(ResourceManager resources, string name, params object?[] args) =>
        string.Format(CultureInfo.InvariantCulture, resources.GetString(name, CultureInfo.InvariantCulture) ?? name, args);

    /// <summary>One line on stderr, as the managed CLI says it ("gadugi-exec: error GBXnnnn: …").</summary>
    public static void Say(string kind, string text)
    {
        using var stderr = Console.OpenStandardError();
        stderr.Write(System.Text.Encoding.UTF8.GetBytes($"gadugi-exec: {kind} {text}\n"));
    }
}
