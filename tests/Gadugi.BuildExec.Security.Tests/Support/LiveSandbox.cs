using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Confinement;
using Gadugi.BuildExec.Core.Policies;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>
/// A sandbox made exactly as the executor makes it (the executor's container definition, seccomp
/// profile and lifecycle), but left standing after its command, as when its owner died: the test
/// plays the dead owner's part. Only the keeper's lifetime is shortened, so its deadline comes
/// within the test. This test process stays its owner, so no other executor's reaper removes it.
/// </summary>
internal sealed class LiveSandbox : IAsyncDisposable
{
    private readonly EngineConnection _engine;

    private LiveSandbox(EngineConnection engine, string id, string commandUser, string keeperUser)
    {
        _engine = engine;
        Id = id;
        CommandUser = commandUser;
        KeeperUser = keeperUser;
    }

    public string Id { get; }

    public string CommandUser { get; }

    /// <summary>The user the container's own processes run as (what the engine was told).</summary>
    public string KeeperUser { get; }

    public IDockerClient Client => _engine.Client;

    public static async Task<LiveSandbox> StartAsync(Attack attack, TimeSpan keeperLifetime)
    {
        var engine = await EngineConnection.ConnectAsync();
        var policy = attack.Policy("python");
        var spec = ContainerSpecBuilder.Build(new ContainerSpecInput
        {
            Request = new ExecutionRequest { Command = ["true"], Policy = policy, WorkingDirectory = attack.Workspace },
            ExecutionId = "live" + Guid.NewGuid().ToString("N")[..12],
            Owner = OwnerIdentity.Current.ToString(),
            StartedAt = DateTimeOffset.UtcNow,
            User = ContainerSpecBuilder.SandboxUser,
            SeccompProfileJson = SeccompProfiles.Default,
        });
        spec.Cmd = [((long)keeperLifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture)];
        var id = await ContainerLifecycle.CreateAsync(engine.Client, spec, policy, CancellationToken.None);
        var sandbox = new LiveSandbox(engine, id, ContainerSpecBuilder.SandboxUser, spec.User);
        await ContainerLifecycle.StartAsync(engine.Client, id, policy, CancellationToken.None);
        return sandbox;
    }

    /// <summary>Runs a command in the sandbox as <paramref name="user"/>; returns its exit code and stdout.</summary>
    public async Task<(long ExitCode, string Stdout, string Stderr)> ExecAsync(string user, params string[] command)
    {
        var exec = await Client.Exec.CreateContainerExecAsync(Id, new ContainerExecCreateParameters { Cmd = command, User = user, WorkingDir = "/workspace", AttachStdout = true, AttachStderr = true });
        using var stream = await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), CancellationToken.None);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        var inspect = await Client.Exec.InspectContainerExecAsync(exec.ID);
        return (inspect.ExitCode ?? -1, stdout, stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await ContainerLifecycle.RemoveAsync(Client, Id, CancellationToken.None);
        _engine.Dispose();
    }
}
