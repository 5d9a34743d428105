using System.Buffers;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>Runs the command inside a started sandbox through the engine's exec API and pumps its streams.</summary>
internal static class CommandExec
{
    /// <summary>How long reading may go on after a kill before the stream is abandoned.</summary>
    private static readonly TimeSpan DrainAfterKill = TimeSpan.FromSeconds(15);

    /// <summary>How long reading may go on after the sandbox itself ended (its processes are gone).</summary>
    private static readonly TimeSpan DrainAfterDeath = TimeSpan.FromSeconds(2);

    public static async Task<long?> RunAsync(
        IDockerClient docker,
        string containerId,
        ExecutionRequest request,
        string user,
        IReadOnlyList<string> environment,
        OutputPump pump,
        KillSwitch killSwitch,
        Task containerDied,
        CancellationToken engineToken)
    {
        ContainerExecCreateResponse exec;
        MultiplexedStream started;
        try
        {
            exec = await docker.Exec.CreateContainerExecAsync(
                containerId,
                new ContainerExecCreateParameters
                {
                    Cmd = request.Command.ToList(),
                    Env = environment.ToList(),
                    User = user,
                    WorkingDir = "/workspace",
                    AttachStdin = request.StandardInput is not null,
                    AttachStdout = true,
                    AttachStderr = true,
                    TTY = false,
                    Privileged = false,
                },
                engineToken).ConfigureAwait(false);
            started = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { Detach = false, TTY = false }, engineToken).ConfigureAwait(false);
        }
        catch (DockerApiException) when (killSwitch.Reason is not null || containerDied.IsCompleted)
        {
            // Killed (cancelled, say) or ended before the command could start: there is no exit code.
            return null;
        }

        using var stream = started;
        using var readLimit = CancellationTokenSource.CreateLinkedTokenSource(engineToken);
        using var stdinStop = new CancellationTokenSource();
        _ = killSwitch.Fired.ContinueWith(_ => StopReadingAfter(readLimit, DrainAfterKill), TaskScheduler.Default);
        _ = containerDied.ContinueWith(_ => StopReadingAfter(readLimit, DrainAfterDeath), TaskScheduler.Default);
        var stdinPump = request.StandardInput is { } stdin ? PumpStdinAsync(stdin, stream, stdinStop.Token) : Task.CompletedTask;

        try
        {
            await PumpOutputAsync(stream, pump, readLimit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!engineToken.IsCancellationRequested && (killSwitch.Reason is not null || containerDied.IsCompleted))
        {
            // The sandbox was killed, or ended by itself, but its stream did not close: stop reading.
        }
        finally
        {
            await stdinStop.CancelAsync().ConfigureAwait(false);
        }

        _ = stdinPump;
        try
        {
            var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID, engineToken).ConfigureAwait(false);
            if (killSwitch.Reason is null && !containerDied.IsCompleted && EngineExecFault.Detect(inspect, pump.Stdout.Text) is { } engineMessage)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineCannotExec), engineMessage));
            }

            return inspect.Running ? null : inspect.ExitCode;
        }
        catch (DockerApiException) when (killSwitch.Reason is not null || containerDied.IsCompleted)
        {
            return null;
        }
    }

    private static void StopReadingAfter(CancellationTokenSource readLimit, TimeSpan drain)
    {
        try
        {
            readLimit.CancelAfter(drain);
        }
        catch (ObjectDisposedException)
        {
            // The command had ended already.
        }
    }

    private static async Task PumpOutputAsync(MultiplexedStream stream, OutputPump pump, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF)
                {
                    return;
                }

                var kind = read.Target == MultiplexedStream.TargetStream.StandardError ? OutputStreamKind.Stderr : OutputStreamKind.Stdout;
                await pump.AcceptAsync(kind, buffer.AsMemory(0, read.Count), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task PumpStdinAsync(Stream stdin, MultiplexedStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        try
        {
            int count;
            while ((count = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await stream.WriteAsync(buffer, 0, count, cancellationToken).ConfigureAwait(false);
            }

            stream.CloseWrite();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The command ended or stopped reading; what it did not read is not ours to deliver.
        }
    }
}
