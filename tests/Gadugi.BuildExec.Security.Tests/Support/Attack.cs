using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>
/// Runs hostile commands through the real executor on the real engine with the default policies,
/// under one runtime; the probe scripts are in the workspace.
/// </summary>
internal sealed class Attack : SandboxHarness
{
    public Attack(SandboxRuntime runtime, ExecutorOptions? options = null)
        : base("gadugi-security-test", options)
    {
        Runtime = runtime;
        foreach (var probe in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Probes")))
        {
            File.Copy(probe, Path.Combine(Workspace, Path.GetFileName(probe)));
        }
    }

    public SandboxRuntime Runtime { get; }

    /// <summary>
    /// Lets the sandbox user write the workspace (with <c>workspace: rw</c>), so a marker the command
    /// leaves there proves it ran: the harness's folders are root's 0755 otherwise.
    /// </summary>
    public string WritableWorkspace()
    {
        File.SetUnixFileMode(Workspace, (UnixFileMode)0x3FF); // 0777
        return Workspace;
    }

    public bool IsGvisor => Runtime == SandboxRuntime.Gvisor;

    /// <summary>A built-in policy, unchanged but for the runtime and a test-sized timeout.</summary>
    public SandboxPolicy Policy(string name = "python") =>
        PolicyDefaults.BuiltIn[name] with { Runtime = Runtime, Timeout = TimeSpan.FromMinutes(3) };

    public Task<ExecutionResult> RunAsync(SandboxPolicy policy, params string[] command) =>
        RunAsync(new ExecutionRequest { Command = command, Policy = policy, WorkingDirectory = Workspace });

    public Task<ExecutionResult> PythonAsync(string script, SandboxPolicy? policy = null) =>
        RunAsync(policy ?? Policy(), "python3", "-c", script);

    public Task<ExecutionResult> BashAsync(string script, SandboxPolicy? policy = null) =>
        RunAsync(policy ?? Policy("shell"), "bash", "-c", script);
}

/// <summary>The host's own process table, to prove nothing of a sandbox outlives it.</summary>
internal static class HostProcesses
{
    public static IReadOnlyList<string> WithMarker(string marker)
    {
        var found = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(directory);
            if (!pid.All(char.IsAsciiDigit) || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(marker, StringComparison.Ordinal))
                {
                    found.Add($"{pid}: {cmdline}");
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>Polls briefly: the engine reaps a killed sandbox's processes asynchronously after removal.</summary>
    public static async Task AssertNoneWithMarkerAsync(string marker)
    {
        IReadOnlyList<string> left = [];
        for (var attempt = 0; attempt < 50; attempt++)
        {
            left = WithMarker(marker);
            if (left.Count == 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("processes outlived the sandbox: " + string.Join("; ", left));
    }
}
