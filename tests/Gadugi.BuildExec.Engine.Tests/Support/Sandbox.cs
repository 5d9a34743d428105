using System.Text;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>Runs requests through a real executor on the real engine, with a private audit log and workspace.</summary>
internal sealed class Sandbox : IAsyncDisposable
{
    private readonly SandboxExecutor _executor;

    public Sandbox(int maxConcurrency = 10)
    {
        Root = Directory.CreateTempSubdirectory("gadugi-engine-test-").FullName;
        Workspace = Directory.CreateDirectory(Path.Combine(Root, "workspace")).FullName;
        AuditLogPath = Path.Combine(Root, "audit.jsonl");
        _executor = new SandboxExecutor(new ExecutorOptions { AuditLogPath = AuditLogPath, MaxConcurrency = maxConcurrency });
    }

    public string Root { get; }

    public string Workspace { get; }

    public string AuditLogPath { get; }

    public static SandboxPolicy Shell => PolicyDefaults.BuiltIn["shell"] with { Timeout = TimeSpan.FromMinutes(2) };

    public static SandboxPolicy Python => PolicyDefaults.BuiltIn["python"] with { Timeout = TimeSpan.FromMinutes(2) };

    public void WriteFile(string relativePath, string content)
    {
        var path = Path.Combine(Workspace, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public Task<ExecutionResult> RunAsync(SandboxPolicy policy, params string[] command) =>
        RunAsync(new ExecutionRequest { Command = command, Policy = policy, WorkingDirectory = Workspace });

    public Task<ExecutionResult> BashAsync(SandboxPolicy policy, string script) => RunAsync(policy, "bash", "-c", script);

    public async Task<ExecutionResult> RunAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        var result = await _executor.RunAsync(request, cancellationToken);
        await AssertNoContainerLeftAsync(result.ExecutionId);
        return result;
    }

    /// <summary>Nothing labelled with this execution may exist once RunAsync returned.</summary>
    public static async Task AssertNoContainerLeftAsync(string executionId)
    {
        using var engine = await EngineConnection.ConnectAsync();
        var left = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ContainerLabels.Execution}={executionId}"] = true },
            },
        });
        Assert.IsEmpty(left, $"containers left behind by execution {executionId}: {string.Join(", ", left.Select(c => c.ID[..12] + " " + c.State))}");
    }

    public async ValueTask DisposeAsync()
    {
        await _executor.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>Collects live output as text, per stream.</summary>
internal sealed class TextSink : IOutputSink
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var target = stream == OutputStreamKind.Stdout ? _stdout : _stderr;
        lock (target)
        {
            target.Append(Encoding.UTF8.GetString(data.Span));
        }

        return ValueTask.CompletedTask;
    }
}
