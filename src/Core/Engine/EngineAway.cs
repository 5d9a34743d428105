using System.Net.Sockets;
using Polly;
using Polly.Retry;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// An engine that is away for a moment (restarting, or just started) and the cleanup that outlasts
/// it: removing a sandbox or its network is retried while the engine cannot be reached, for up to
/// <see cref="CleanupWait"/>, so a restart mid-run leaves nothing behind. The engine implementation
/// applies these waits inside its <see cref="ISandboxEngine"/> calls (removal, network removal, a
/// run's first request); the executor only sizes its own cleanup limits by <see cref="CleanupWait"/>.
/// </summary>
internal static class EngineAway
{
    /// <summary>How long cleanup waits for an engine that is away: longer than a restart takes (stop, start, readiness).</summary>
    public static readonly TimeSpan CleanupWait = TimeSpan.FromSeconds(90);

    public static ResiliencePipeline Cleanup { get; } = new ResiliencePipelineBuilder()
        .AddTimeout(CleanupWait)
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsUnreachable),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(3),
        })
        .Build();

    /// <summary>How long a run that finds the engine away before its sandbox exists waits for it to come back.</summary>
    public static readonly TimeSpan ReturnWait = TimeSpan.FromSeconds(90);

    /// <summary>
    /// For the first request of a run, before anything of it exists on the engine: a long-lived
    /// executor (a build node, the action, a service) that meets its engine restarting waits for it
    /// instead of failing every run it is handed meanwhile. Only refused connections are retried.
    /// </summary>
    public static ResiliencePipeline Return { get; } = new ResiliencePipelineBuilder()
        .AddTimeout(ReturnWait)
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsRefused),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(2),
        })
        .Build();

    /// <summary>Nobody listens (yet): no socket file, or a refused connection.</summary>
    public static bool IsRefused(Exception ex) => ex switch
    {
        SocketException socket => socket.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported
            || socket.Message.Contains("No such file", StringComparison.Ordinal),
        HttpRequestException { InnerException: { } inner } => IsRefused(inner),
        IOException { InnerException: { } inner } => IsRefused(inner),
        _ => false,
    };

    /// <summary>The request never got an answer from the engine (refused, reset, closed): unlike an engine's error answer, worth retrying for cleanup.</summary>
    public static bool IsUnreachable(Exception ex) => ex is SocketException or IOException or HttpRequestException;
}
