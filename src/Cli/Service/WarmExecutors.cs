using System.Collections.Concurrent;
using Gadugi.BuildExec.Cli.Run;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Pool;
using Gadugi.BuildExec.Core.Requests;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The service's executors, one per (audit log, concurrency, slots) a client asked for, kept for the
/// service's life: connected to the engine, swept once, their code warm. Several runs use one at once.
/// Hooks get their own, on the hooks' machine-wide slots.
/// </summary>
internal sealed class WarmExecutors(ILoggerFactory loggerFactory) : IRunExecutors, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string? AuditLog, int MaxConcurrency, ExecutorSlots Slots), Lazy<SandboxExecutor>> _executors = new();

    /// <summary>One pool for all of them: its keys name the audit log, so an executor never takes another's sandbox.</summary>
    public SandboxPool Pool { get; } = SandboxPool.FromEnvironment(loggerFactory);

    public ExecutorLease Lease(string? auditLog, int maxConcurrency, bool verbose, ExecutorSlots slots)
    {
        var executor = _executors.GetOrAdd((auditLog, maxConcurrency, slots), key =>
            new Lazy<SandboxExecutor>(() => new SandboxExecutor(key.Slots.Apply(ExecutorOptionsBuilder.Build(key.AuditLog, maxConcurrency: key.MaxConcurrency)) with { Pool = Pool, RemoveAfterAnswer = true }, loggerFactory))).Value;
        return new ExecutorLease(executor, release: null);
    }

    public async ValueTask DisposeAsync()
    {
        // First, while the executors' engine connections still stand: the prepared sandboxes are removed.
        await Pool.DisposeAsync().ConfigureAwait(false);
        foreach (var executor in _executors.Values.Where(lazy => lazy.IsValueCreated))
        {
            await executor.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
