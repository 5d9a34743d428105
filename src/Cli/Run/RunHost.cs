using Gadugi.BuildExec.Cli.Commands;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Requests;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>
/// Whose run it is: the streams, directory, terminal and signals of the process that was called, and the
/// executors it runs on. <see cref="Direct"/> is this process; the background service makes one per
/// client from what the client sent.
/// </summary>
internal sealed class RunHost
{
    /// <summary>How the run was served, as the result JSON's <c>path</c>: <c>direct</c> or <c>service</c> (<c>pooled</c> when the service's pool served it).</summary>
    public required string Path { get; init; }

    /// <summary>Where relative paths start: the caller's working directory.</summary>
    public required string BaseDirectory { get; init; }

    public required Stream Input { get; init; }

    public required Stream Output { get; init; }

    public required Stream Error { get; init; }

    /// <summary>The CLI's own messages (on the caller's stderr).</summary>
    public required TextWriter Messages { get; init; }

    public required bool StdinAndStdoutAreTerminals { get; init; }

    public required Func<TerminalSize> TerminalSize { get; init; }

    public required Func<RunSignalTarget, bool, IRunSignals> ListenForSignals { get; init; }

    public required Func<IDisposable> RawMode { get; init; }

    public required IRunExecutors Executors { get; init; }

    /// <summary>Cancelled when the caller is gone (a client that hung up): the run is cancelled and its sandbox removed.</summary>
    public CancellationToken Gone { get; init; }

    public static RunHost Direct() => new()
    {
        Path = "direct",
        BaseDirectory = Directory.GetCurrentDirectory(),
        Input = StandardStreams.Input(),
        Output = StandardStreams.Output(),
        Error = StandardStreams.Error(),
        Messages = Console.Error,
        StdinAndStdoutAreTerminals = HostTerminal.StdinAndStdoutAreTerminals,
        TerminalSize = HostTerminal.Size,
        ListenForSignals = (target, resize) => new RunSignals(target, resize),
        RawMode = HostTerminal.RawMode,
        Executors = OwnExecutors.Instance,
    };

    /// <summary>A path the caller gave, made absolute against the caller's directory (not this process's).</summary>
    public string? FullPath(FileSystemInfo? given) =>
        given is null ? null : System.IO.Path.GetFullPath(given.ToString(), BaseDirectory);

    /// <summary>One executor per run, made and disposed here: the direct path.</summary>
    private sealed class OwnExecutors : IRunExecutors
    {
        public static readonly OwnExecutors Instance = new();

        public ExecutorLease Lease(string? auditLog, int maxConcurrency, bool verbose, ExecutorSlots slots)
        {
            var loggerFactory = CliConsole.CreateLoggerFactory(verbose);
            var executor = new SandboxExecutor(slots.Apply(ExecutorOptionsBuilder.Build(auditLog, maxConcurrency: maxConcurrency)), loggerFactory);
            return new ExecutorLease(executor, async () =>
            {
                await executor.DisposeAsync().ConfigureAwait(false);
                loggerFactory.Dispose();
            });
        }
    }
}

/// <summary>Where a run's executor comes from: made for it, or kept warm by the background service.</summary>
internal interface IRunExecutors
{
    ExecutorLease Lease(string? auditLog, int maxConcurrency, bool verbose, ExecutorSlots slots);

    /// <summary>The warm single-use pool behind these executors; null on the direct path, which has none.</summary>
    Core.Execution.Pool.SandboxPool? Pool => null;
}

internal sealed class ExecutorLease(SandboxExecutor executor, Func<ValueTask>? release) : IAsyncDisposable
{
    public SandboxExecutor Executor { get; } = executor;

    public ValueTask DisposeAsync() => release?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>Whose machine-wide slots an executor takes: the runs' or the hooks' own (a tool call's hook never waits behind long runs).</summary>
internal enum ExecutorSlots
{
    Runs,
    Hooks,
}

internal static class ExecutorSlotsExtensions
{
    public static ExecutorOptions Apply(this ExecutorSlots slots, ExecutorOptions options) =>
        slots == ExecutorSlots.Hooks ? options with { MachineSlotsDirectory = ExecutorOptionsBuilder.HookSlotsDirectory() } : options;
}
