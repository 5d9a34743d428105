using System.Diagnostics;
using System.Text;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// Ctrl+C on 'dotnet build' while ContainerExec runs 'sleep 600' in a sandbox: the build ends and the
/// sandbox is killed and removed (a real SIGINT to the real dotnet process, the real engine).
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class CancellationEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [TestMethod]
    public async Task SIGINT_to_dotnet_build_ends_the_build_and_removes_the_sandbox()
    {
        var solution = await SampleSolution.GetAsync();
        var token = Guid.NewGuid().ToString("N")[..12];
        using var engine = await EngineConnection.ConnectAsync();
        using var build = StartBuild(solution, token, out var output);
        ContainerListResponse? container = null;
        try
        {
            container = await WaitForRunningSandboxAsync(engine, solution.Tool, token, build, output);
            Assert.IsNotNull(container, "the sandbox never ran:\n" + Tail(Text(output)));

            Assert.AreEqual(0, kill(build.Id, SIGINT), "kill(SIGINT) failed");
            using (var exit = new CancellationTokenSource(Patience))
            {
                try
                {
                    await build.WaitForExitAsync(exit.Token);
                }
                catch (OperationCanceledException)
                {
                    var sandboxes = await SandboxesAsync(engine, solution.Tool, all: true);
                    Assert.Fail($"dotnet build did not end within {Patience} of SIGINT; its sandboxes: {string.Join(", ", sandboxes.Select(c => c.ID[..12] + " " + c.State))}; its output:\n{Tail(Text(output))}");
                }
            }

            Assert.AreNotEqual(0, build.ExitCode, Text(output));
            StringAssert.Contains(Text(output), "sleeping-" + token, "the command ran in the sandbox");
            var left = await SandboxesAsync(engine, solution.Tool, all: true);
            Assert.IsEmpty(left, $"containers left: {string.Join(", ", left.Select(c => c.ID[..12] + " " + c.State))}\n{Text(output)}");
            var record = solution.AuditRecords().Last(r => r.GetProperty("argv")[2].GetString() == $"echo sleeping-{token}; sleep 600");
            Assert.AreEqual("cancelled", record.GetProperty("result").GetProperty("kill_reason").GetString(), record.ToString());
            Assert.IsEmpty(await solution.LeftoverContainersAsync());
        }
        finally
        {
            if (!build.HasExited)
            {
                build.Kill(entireProcessTree: true);
            }

            // A failed assertion above must not leave the sandbox for the next test to trip over.
            if (container is not null)
            {
                try
                {
                    await engine.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
                }
                catch (Docker.DotNet.DockerApiException)
                {
                    // Gone (or going) already: the cancelled build removed it, as it should.
                }
            }
        }
    }

    private const int SIGINT = 2;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
#pragma warning disable CA5392, SYSLIB1054 // libc by name; a one-off signal in a test
    private static extern int kill(int pid, int sig);
#pragma warning restore CA5392, SYSLIB1054

    private static Process StartBuild(SampleSolution solution, string token, out StringBuilder output)
    {
        // Through env(1), which execs dotnet with SIGINT at its default: a test run started in the
        // background of a non-interactive shell inherits SIGINT ignored, and it stays ignored across exec.
        var info = new ProcessStartInfo("env")
        {
            WorkingDirectory = solution.Tool,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--default-signal=INT", "dotnet", "build", "--no-restore", "-tl:off", "-v:n", "-p:RunSleep=" + token, "-nodeReuse:false", "--disable-build-servers" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var name in ProcessRunner.Removed)
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in solution.Environment)
        {
            info.Environment[name] = value;
        }

        var text = new StringBuilder();
        output = text;
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(text, e.Data);
        process.ErrorDataReceived += (_, e) => Append(text, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private static async Task<ContainerListResponse?> WaitForRunningSandboxAsync(EngineConnection engine, string workspace, string token, Process build, StringBuilder output)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (!patience.IsCancellationRequested && !build.HasExited)
        {
            var running = (await SandboxesAsync(engine, workspace, all: false)).FirstOrDefault(c => c.State == "running");
            if (running is not null && Text(output).Contains("sleeping-" + token, StringComparison.Ordinal))
            {
                return running;
            }

            await Task.Delay(200);
        }

        return null;
    }

    private static async Task<IReadOnlyList<ContainerListResponse>> SandboxesAsync(EngineConnection engine, string workspace, bool all)
    {
        var containers = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = all,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [ContainerLabels.Managed + "=true"] = true } },
        });
        // The command runs through an exec in a keeper container: the sample's workspace mount names ours.
        return containers.Where(c => c.Mounts != null && c.Mounts.Any(m => m.Source == workspace && m.Destination == "/workspace")).ToArray();
    }
}
