using System.Buffers;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>Runs the command inside a started sandbox through the engine's exec and pumps its streams.</summary>
internal static class CommandExec
{
    /// <summary>How long reading may go on after a kill before the stream is abandoned.</summary>
    private static readonly TimeSpan DrainAfterKill = TimeSpan.FromSeconds(15);

    /// <summary>How long reading may go on after the sandbox itself ended (its processes are gone).</summary>
    private static readonly TimeSpan DrainAfterDeath = TimeSpan.FromSeconds(2);

    private static readonly ExecExit NoExit = new(null);

    /// <summary>Runs the command; its exit code is null when it was killed, or its sandbox ended, before it reported one.</summary>
    public static async Task<ExecExit> RunAsync(
        ISandboxEngine engine,
        string sandboxId,
        SandboxCommand command,
        Stream? standardInput,
        CommandControl? control,
        OutputPump pump,
        KillSwitch killSwitch,
        Task containerDied,
        CancellationToken engineToken,
        Action? onStarted = null)
    {
        ISandboxProcess started;
        try
        {
            started = await engine.ExecAsync(sandboxId, command, engineToken).ConfigureAwait(false);
        }
        catch (SandboxEngineException) when (killSwitch.Reason is not null || containerDied.IsCompleted)
        {
            // Killed (cancelled, say) or ended before the command could start: there is no exit code.
            return NoExit;
        }

        using var process = started;
        onStarted?.Invoke();
        using var forwarder = SignalForwarder.Attach(control, process, killSwitch);
        using var readLimit = CancellationTokenSource.CreateLinkedTokenSource(engineToken);
        using var stdinStop = new CancellationTokenSource();
        _ = killSwitch.Fired.ContinueWith(_ => StopReadingAfter(readLimit, DrainAfterKill), TaskScheduler.Default);
        _ = containerDied.ContinueWith(_ => StopReadingAfter(readLimit, DrainAfterDeath), TaskScheduler.Default);
        var stdinPump = standardInput is { } stdin ? PumpStdinAsync(stdin, process, stdinStop.Token) : Task.CompletedTask;

        try
        {
            await PumpOutputAsync(process, pump, readLimit.Token).ConfigureAwait(false);
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
            return await process.ExitAsync(engineToken).ConfigureAwait(false);
        }
        catch (SandboxEngineException) when (killSwitch.Reason is not null || containerDied.IsCompleted)
        {
            return NoExit;
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

    private static async Task PumpOutputAsync(ISandboxProcess process, OutputPump pump, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (true)
            {
                var (kind, count) = await process.ReadOutputAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    return;
                }

                await pump.AcceptAsync(kind, buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task PumpStdinAsync(Stream stdin, ISandboxProcess process, CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        try
        {
            int count;
            while ((count = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await process.WriteInputAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }

            process.CloseInput();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SandboxEngineException)
        {
            // The command ended or stopped reading; what it did not read is not ours to deliver.
        }
    }
}
