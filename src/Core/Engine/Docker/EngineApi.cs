using System.Globalization;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// The engine API versions this client speaks, and the choice of one with an engine: the highest
/// version both support, as the docker CLI negotiates it.
/// </summary>
internal static class EngineApi
{
    /// <summary>Docker 20.10's API: the oldest engine supported.</summary>
    public static readonly Version Oldest = new(1, 41);

    /// <summary>
    /// Docker 29.0's API. Docker 29 refuses clients below 1.44, so a client pinned to an older
    /// version cannot talk to it; every request and field the executor uses exists up to here.
    /// </summary>
    public static readonly Version Newest = new(1, 52);

    /// <summary>
    /// The version to speak with an engine that reported <paramref name="serverApi"/> as its own and
    /// <paramref name="serverMinimumApi"/> as the oldest it accepts; GBX1004 when the ranges do not meet.
    /// </summary>
    public static Version Negotiate(Uri endpoint, string? serverVersion, string? serverApi, string? serverMinimumApi)
    {
        var highest = Parse(serverApi);
        var lowest = Parse(serverMinimumApi) ?? highest;
        var chosen = highest is null ? null : highest < Newest ? highest : Newest;
        if (chosen is null || chosen < Oldest || (lowest is not null && chosen < lowest))
        {
            throw new GadugiException(Diagnostic.Create(
                nameof(DiagnosticMessages.EngineApiIncompatible),
                endpoint,
                serverVersion ?? "unknown",
                serverMinimumApi ?? "?",
                serverApi ?? "?",
                Format(Oldest),
                Format(Newest)));
        }

        return chosen;
    }

    public static string Format(Version version) => version.ToString(2);

    private static Version? Parse(string? text) =>
        Version.TryParse(text, out var version) ? new Version(version.Major, Math.Max(0, version.Minor)) : null;

    internal static string Describe(Version negotiated) =>
        string.Create(CultureInfo.InvariantCulture, $"API {Format(negotiated)} (client speaks {Format(Oldest)} to {Format(Newest)})");
}
