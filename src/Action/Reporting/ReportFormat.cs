using System.Globalization;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Action.Reporting;

/// <summary>How numbers read in the summary, the comment and the log.</summary>
public static class ReportFormat
{
    public static string Duration(TimeSpan time) => time.TotalSeconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:0} ms"),
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.0} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalMinutes}m {time.Seconds:00}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours}h {time.Minutes:00}m"),
    };

    public static string Size(long? bytes) => bytes switch
    {
        null => "–",
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB"),
    };

    public static string KillReason(KillReason reason) => RunWording.KillReason(reason);

    /// <summary>The limits the engine reported for the sandbox; for the unsandboxed fallback, the few that still applied.</summary>
    public static string Limits(ExecutionResult result, SandboxPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        if (result.Limits is not { } limits)
        {
            return string.Create(CultureInfo.InvariantCulture, $"timeout {PolicyValueParser.FormatDuration(policy.Timeout)} · output {PolicyValueParser.FormatSize(policy.OutputLimitBytes)} only");
        }

        var parts = new List<string>
        {
            Size(limits.MemoryBytes) + " memory",
            string.Create(CultureInfo.InvariantCulture, $"{limits.Cpus:0.##} CPU"),
        };
        if (limits.PidsLimit is { } pids)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{pids} pids"));
        }

        parts.Add("net " + (limits.NetworkMode.Length == 0 ? "default" : limits.NetworkMode));
        parts.Add(limits.ReadOnlyRootfs ? "ro root" : "rw root");
        parts.Add("timeout " + PolicyValueParser.FormatDuration(limits.Timeout == TimeSpan.Zero ? policy.Timeout : limits.Timeout));
        return string.Join(" · ", parts);
    }
}
