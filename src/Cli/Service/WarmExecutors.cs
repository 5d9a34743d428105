using System.Collections.Concurrent;
using Gadugi.BuildExec.Cli.Run;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Requests;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The service's executors, one per (audit log, concurrency) a client asked for, kept for the service's
/// life: connected to the engine, swept once, their code warm. Several runs use one at once.
/// </summary>
internal sealed class WarmExecutors(ILoggerFactory loggerFactory) : IRunExecutors, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string? AuditLog, int MaxConcurrency), Lazy<SandboxExecutor>> _executors = new();

    public ExecutorLease Lease(string? auditLog, int maxConcurrency, bool verbose)
    {
        var executor = _executors.GetOrAdd((auditLog, maxConcurrency), key =>
            new Lazy<SandboxExecutor>(() => new SandboxExecutor(ExecutorOptionsBuilder.Build(key.AuditLog, maxConcurrency: key.MaxConcurrency), loggerFactory))).Value;
        return new ExecutorLease(executor, release: null);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var executor in _executors.Values.Where(lazy => lazy.IsValueCreated))
        {
            await executor.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
