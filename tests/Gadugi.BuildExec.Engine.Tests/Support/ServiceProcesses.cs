using System.Diagnostics;
using System.Globalization;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>The background services a test started (by their pid files) and the sandboxes that write to its audit log.</summary>
internal static class ServiceProcesses
{
    /// <summary>The live process ids in the service directory's pid files.</summary>
    public static List<int> Pids(string serviceDirectory) =>
        !Directory.Exists(serviceDirectory) ? [] :
        [.. Directory.GetFiles(serviceDirectory, "*.pid")
            .Select(file => int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && IsAlive(pid))];

    /// <summary>A zombie is not alive: this machine's init reaps slowly.</summary>
    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    public static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Sandboxes labelled with this audit log (cold, pooled and prepared alike: every sandbox carries the label).</summary>
    public static List<string> SandboxesAuditingTo(string audit)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "ps", "-aq", "--filter", $"label=io.gadugi.audit-log={audit}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var docker = Process.Start(start)!;
        var ids = docker.StandardOutput.ReadToEnd();
        docker.WaitForExit();
        return [.. ids.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>
    /// Reads <paramref name="client"/>'s stdout until its command said "ready" on a line of its own; fails
    /// naming <paramref name="what"/> when the output ends first.
    /// </summary>
    public static Task ReadyAsync(Process client, string what) => Task.Run(async () =>
    {
        var seen = new System.Text.StringBuilder();
        var buffer = new char[1024];
        int count;
        while ((count = await client.StandardOutput.ReadAsync(buffer)) > 0)
        {
            seen.Append(buffer, 0, count);
            if (seen.ToString().Contains("ready\n", StringComparison.Ordinal))
            {
                return;
            }
        }

        throw new InvalidOperationException(what + " ended before it was ready: " + seen);
    });
}
