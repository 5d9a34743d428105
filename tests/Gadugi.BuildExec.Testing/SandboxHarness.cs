using System.Text;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Microsoft.VisualStudio.TestTools.UnitTesting;

using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Testing;

/// <summary>
/// Runs requests through a real executor on the real engine, with a private workspace and audit
/// log, and checks after every execution that nothing of it is left: no container, no network.
/// </summary>
public class SandboxHarness : IAsyncDisposable
{
    private const UnixFileMode ReadableByOthers = (UnixFileMode)0x1ED; // 0755: the sandbox user (uid 10001) must see in.
    private readonly SandboxExecutor _executor;

    public SandboxHarness(string prefix, ExecutorOptions? options = null)
    {
        Root = Directory.CreateTempSubdirectory(prefix + "-").FullName;
        MakeReadableByOthers(Root);
        Workspace = MakeDirectory("workspace");
        AuditLogPath = Path.Combine(Root, "audit.jsonl");
        _executor = new SandboxExecutor((options ?? new ExecutorOptions()) with { AuditLogPath = AuditLogPath });
    }

    public string Root { get; }

    public string Workspace { get; }

    public string AuditLogPath { get; }

    public string MakeDirectory(string name)
    {
        var path = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        MakeReadableByOthers(path);
        return path;
    }

    private static void MakeReadableByOthers(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, ReadableByOthers);
        }
    }

    public void WriteFile(string relativePath, string content)
    {
        var path = Path.Combine(Workspace, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

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
        Assert.IsEmpty(containers, $"containers left behind by execution {executionId}: {string.Join(", ", containers.Select(c => c.ID[..12] + " " + c.State))}");
        Assert.IsEmpty(networks, $"networks left behind by execution {executionId}");
    }

    public async ValueTask DisposeAsync()
    {
        await _executor.DisposeAsync();
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>Collects live output as text: per stream, and both in arrival order.</summary>
public sealed class TextSink : IOutputSink
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _both = new();

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    public string Text => Read(_both);

    public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(data.Span);
        lock (_gate)
        {
            (stream == OutputStreamKind.Stdout ? _stdout : _stderr).Append(text);
            _both.Append(text);
        }

        return ValueTask.CompletedTask;
    }

    private string Read(StringBuilder builder)
    {
        lock (_gate)
        {
            return builder.ToString();
        }
    }
}
