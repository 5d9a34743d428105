using System.Text;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>
/// Runs hostile commands through the real executor on the real engine with the default policies,
/// and checks afterwards that nothing of the execution is left: no container, no network.
/// </summary>
internal sealed class Attack : IAsyncDisposable
{
    private readonly SandboxExecutor _executor;

    public Attack(SandboxRuntime runtime, ExecutorOptions? options = null)
    {
        Runtime = runtime;
        Root = Directory.CreateTempSubdirectory("gadugi-security-test-").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0x1ED);
        Workspace = Directory.CreateDirectory(Path.Combine(Root, "workspace")).FullName;
        AuditLogPath = Path.Combine(Root, "audit.jsonl");
        _executor = new SandboxExecutor((options ?? new ExecutorOptions()) with { AuditLogPath = AuditLogPath });
        foreach (var probe in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Probes")))
        {
            File.Copy(probe, Path.Combine(Workspace, Path.GetFileName(probe)));
        }
    }

    public SandboxRuntime Runtime { get; }

    public bool IsGvisor => Runtime == SandboxRuntime.Gvisor;

    public string Root { get; }

    public string Workspace { get; }

    public string AuditLogPath { get; }

    /// <summary>A built-in policy, unchanged but for the runtime and a test-sized timeout.</summary>
    public SandboxPolicy Policy(string name = "python") =>
        PolicyDefaults.BuiltIn[name] with { Runtime = Runtime, Timeout = TimeSpan.FromMinutes(3) };

    public string MakeDirectory(string name)
    {
        var path = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        return path;
    }

    public Task<ExecutionResult> RunAsync(SandboxPolicy policy, params string[] command) =>
        RunAsync(new ExecutionRequest { Command = command, Policy = policy, WorkingDirectory = Workspace });

    public Task<ExecutionResult> PythonAsync(string script, SandboxPolicy? policy = null) =>
        RunAsync(policy ?? Policy(), "python3", "-c", script);

    public Task<ExecutionResult> BashAsync(string script, SandboxPolicy? policy = null) =>
        RunAsync(policy ?? Policy("shell"), "bash", "-c", script);

    public async Task<ExecutionResult> RunAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        var result = await _executor.RunAsync(request, cancellationToken);
        await AssertNothingLeftAsync(result.ExecutionId);
        return result;
    }

    /// <summary>Nothing labelled with this execution may exist once RunAsync returned: no container, no network.</summary>
    public static async Task AssertNothingLeftAsync(string executionId)
    {
        using var engine = await EngineConnection.ConnectAsync();
        var filter = new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool> { [$"{ContainerLabels.Execution}={executionId}"] = true },
        };
        var containers = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filter });
        var networks = await engine.Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filter });
        Assert.IsEmpty(containers, $"containers left behind by execution {executionId}");
        Assert.IsEmpty(networks, $"networks left behind by execution {executionId}");
    }

    public async ValueTask DisposeAsync()
    {
        await _executor.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
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

/// <summary>Collects live output as text.</summary>
internal sealed class TextSink : IOutputSink
{
    private readonly StringBuilder _text = new();

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        lock (_text)
        {
            _text.Append(Encoding.UTF8.GetString(data.Span));
        }

        return ValueTask.CompletedTask;
    }
}
