using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>A command started through the engine's exec API, its streams multiplexed on one connection.</summary>
internal sealed class DockerExecProcess(IDockerClient docker, string containerId, SandboxCommand command, string execId, MultiplexedStream stream) : ISandboxProcess
{
    /// <summary>
    /// Signals the process group of every process the engine exec'd into the sandbox (their parent is
    /// outside its pid namespace, so their PPid reads 0; pid 1 is the sandbox's init, and this script
    /// is one too). Only the command runs while it can be signalled; the engine's exec makes it a
    /// session and group leader. A process that left its group is signalled alone.
    /// </summary>
    private const string SignalScript =
        "s=$1; for d in /proc/[0-9]*; do p=${d#/proc/}; [ \"$p\" = 1 ] || [ \"$p\" = $$ ] || [ ! -r \"$d/status\" ] && continue; " +
        "while read -r k v; do if [ \"$k\" = PPid: ]; then [ \"$v\" = 0 ] && { kill -$s -$p 2>/dev/null || kill -$s $p 2>/dev/null; }; break; fi; done < \"$d/status\"; done";

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
                TTY = command.Terminal is not null,
                Privileged = false,
            },
            cancellationToken).ConfigureAwait(false);
        var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { Detach = false, TTY = command.Terminal is not null }, cancellationToken).ConfigureAwait(false);
        var process = new DockerExecProcess(docker, containerId, command, exec.ID, stream);
        if (command.Terminal is { } size)
        {
            try
            {
                await process.ResizeAsync(size, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxEngineException)
            {
                // The command ended already (the engine refuses to resize a finished exec): nothing to size.
            }
        }

        return process;
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

    public async Task SignalAsync(int signal, CancellationToken cancellationToken)
    {
        var exec = await Translate(() => docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters
            {
                Cmd = ["/bin/sh", "-c", SignalScript, "gadugi-signal", signal.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                User = command.User,
                AttachStdout = true,
                AttachStderr = true,
            },
            cancellationToken)).ConfigureAwait(false);
        using var output = await Translate(() => docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { Detach = false }, cancellationToken)).ConfigureAwait(false);
        await Translate(() => output.ReadOutputToEndAsync(cancellationToken)).ConfigureAwait(false);
    }

    public Task ResizeAsync(TerminalSize size, CancellationToken cancellationToken) =>
        command.Terminal is null
            ? Task.CompletedTask
            : Translate(async () =>
            {
                await docker.Exec.ResizeExecTtyAsync(execId, new ContainerResizeParameters { Width = size.Columns, Height = size.Rows }, cancellationToken).ConfigureAwait(false);
                return true;
            });

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
