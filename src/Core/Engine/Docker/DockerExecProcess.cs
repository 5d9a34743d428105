using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>A command started through the engine's exec API, its streams multiplexed on one connection.</summary>
internal sealed class DockerExecProcess(IDockerClient docker, string execId, MultiplexedStream stream) : ISandboxProcess
{
    public static async Task<ISandboxProcess> StartAsync(IDockerClient docker, string containerId, SandboxCommand command, CancellationToken cancellationToken)
    {
        var environment = new List<string> { "HOME=/tmp", "TMPDIR=/tmp" };
        environment.AddRange(command.Environment.Select(pair => pair.Key + "=" + pair.Value));
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters
            {
                Cmd = command.Argv.ToList(),
                Env = environment,
                User = command.User,
                WorkingDir = "/workspace",
                AttachStdin = command.AttachStdin,
                AttachStdout = true,
                AttachStderr = true,
                TTY = false,
                Privileged = false,
            },
            cancellationToken).ConfigureAwait(false);
        var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { Detach = false, TTY = false }, cancellationToken).ConfigureAwait(false);
        return new DockerExecProcess(docker, exec.ID, stream);
    }

    public async Task<(OutputStreamKind Stream, int Count)> ReadOutputAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var array = System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(buffer, out var segment)
            ? segment
            : throw new ArgumentException("The buffer must be array-backed.", nameof(buffer));
        var read = await Translate(() => stream.ReadOutputAsync(array.Array!, array.Offset, array.Count, cancellationToken)).ConfigureAwait(false);
        return read.EOF
            ? (OutputStreamKind.Stdout, 0)
            : (read.Target == MultiplexedStream.TargetStream.StandardError ? OutputStreamKind.Stderr : OutputStreamKind.Stdout, read.Count);
    }

    public Task WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        stream.WriteAsync(data.ToArray(), 0, data.Length, cancellationToken);

    public void CloseInput() => stream.CloseWrite();

    public async Task<ExecExit> ExitAsync(CancellationToken cancellationToken)
    {
        var inspect = await Translate(() => docker.Exec.InspectContainerExecAsync(execId, cancellationToken)).ConfigureAwait(false);

        // pid 0: the runtime failed before the command had a process (runc writes its error to the exec's stdout).
        return new ExecExit(inspect.Running ? null : inspect.ExitCode, ProcessStarted: inspect.Running || inspect.Pid != 0);
    }

    public void Dispose() => stream.Dispose();

    private static async Task<T> Translate<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException)
        {
            throw new SandboxEngineException(ContainerLifecycle.Describe(ex), ex);
        }
    }
}
