using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Core.Policies;

/// <summary>
/// Strict parsers for policy values. Each returns null on failure; callers own the error text so
/// it can name the file, field and what is allowed.
/// </summary>
public static partial class PolicyValueParser
{
    public const string SizeAllowed = "a number with a unit b, k, m or g, e.g. \"512m\" or \"1.5g\"";
    public const string DurationAllowed = "a whole number with a unit ms, s, m or h, e.g. \"90s\" or \"30m\"";
    public const string CpusAllowed = "a number of CPUs greater than 0, e.g. \"1.0\" or \"0.5\"";

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?)(?<unit>[bkmgBKMG])$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"^(?<number>\d+)(?<unit>ms|s|m|h)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\d+(\.\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentNamePattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex HostNamePattern();

    public static long? ParseSize(string text)
    {
        var match = SizePattern().Match(text.Trim());
        if (!match.Success)
        {
            return null;
        }

        var number = decimal.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture);
        var multiplier = char.ToLowerInvariant(match.Groups["unit"].Value[0]) switch
        {
            'b' => 1L,
            'k' => 1024L,
            'm' => 1024L * 1024,
            _ => 1024L * 1024 * 1024,
        };
        var bytes = number * multiplier;
        return bytes > long.MaxValue || bytes != decimal.Truncate(bytes) ? null : (long)bytes;
    }

    public static TimeSpan? ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups["number"].Value, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        return match.Groups["unit"].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(number),
            "s" => TimeSpan.FromSeconds(number),
            "m" => TimeSpan.FromMinutes(number),
            _ => TimeSpan.FromHours(number),
        };
    }

    public static decimal? ParseCpus(string text)
    {
        var trimmed = text.Trim();
        if (!DecimalPattern().IsMatch(trimmed))
        {
            return null;
        }

        var cpus = decimal.Parse(trimmed, CultureInfo.InvariantCulture);
        return cpus > 0 ? cpus : null;
    }

    public static bool IsEnvironmentName(string text) => EnvironmentNamePattern().IsMatch(text);

    /// <summary>Parses "10.20.0.5:8080", "pypi-mirror.internal:443", "192.168.50.0/24", "host".</summary>
    public static NetworkDestination? ParseDestination(string text)
    {
        var value = text.Trim();
        int? port = null;
        var lastColon = value.LastIndexOf(':');
        if (lastColon > 0)
        {
            if (!int.TryParse(value[(lastColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var parsedPort)
                || parsedPort is < 1 or > 65535)
            {
                return null;
            }

            port = parsedPort;
            value = value[..lastColon];
        }

        int? prefix = null;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (!int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var parsedPrefix)
                || parsedPrefix is < 0 or > 32)
            {
                return null;
            }

            prefix = parsedPrefix;
            value = value[..slash];
            if (!IPAddress.TryParse(value, out var network) || network.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                return null;
            }
        }

        var looksNumeric = value.All(c => char.IsAsciiDigit(c) || c == '.');
        var isAddress = IPAddress.TryParse(value, out var address)
            && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && value.Count(c => c == '.') == 3;
        var isHostName = !looksNumeric && HostNamePattern().IsMatch(value);
        return isAddress || isHostName ? new NetworkDestination(value, prefix, port) : null;
    }

    public static string FormatSize(long bytes) => bytes switch
    {
        _ when bytes % (1024L * 1024 * 1024) == 0 => $"{bytes / (1024L * 1024 * 1024)}g",
        _ when bytes % (1024L * 1024) == 0 => $"{bytes / (1024L * 1024)}m",
        _ when bytes % 1024 == 0 => $"{bytes / 1024}k",
        _ => $"{bytes}b",
    };

    public static string FormatDuration(TimeSpan duration) => duration switch
    {
        _ when duration.Ticks % TimeSpan.TicksPerHour == 0 => $"{(long)duration.TotalHours}h",
        _ when duration.Ticks % TimeSpan.TicksPerMinute == 0 => $"{(long)duration.TotalMinutes}m",
        _ when duration.Ticks % TimeSpan.TicksPerSecond == 0 => $"{(long)duration.TotalSeconds}s",
        _ => $"{(long)duration.TotalMilliseconds}ms",
    };
}
