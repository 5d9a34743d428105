using Docker.DotNet;
using VersionResponse = Docker.DotNet.Models.VersionResponse;
using Gadugi.BuildExec.Core.Diagnostics;
using Polly;
using Polly.Retry;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// A live connection to a Docker-compatible engine, speaking the highest API version both sides
/// support (<see cref="EngineApi"/>): the engine's <c>/version</c> is read unversioned first, as the
/// docker CLI does, and every later request carries the negotiated version.
/// </summary>
internal sealed class EngineConnection : IDisposable
{
    private static readonly TimeSpan PingLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An engine that is coming back (restarted, or just started by the set-up) refuses connections
    /// or has no socket yet for a moment: a few quick retries ride that out, while an endpoint that
    /// never answers still fails within seconds. A hung engine (no answer within the ping limit) is not retried.
    /// </summary>
    private static readonly ResiliencePipeline ComingBack = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(EngineAway.IsRefused),
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(2),
        })
        .Build();

    private EngineConnection(DockerClient client, Uri endpoint, string serverVersion, string serverApiVersion, Version apiVersion)
    {
        Client = client;
        Endpoint = endpoint;
        ServerVersion = serverVersion;
        ServerApiVersion = serverApiVersion;
        ApiVersion = apiVersion;
    }

    public IDockerClient Client { get; }

    public Uri Endpoint { get; }

    public string ServerVersion { get; }

    /// <summary>The newest API the engine speaks, as it reported it.</summary>
    public string ServerApiVersion { get; }

    /// <summary>The API version every request of <see cref="Client"/> carries.</summary>
    public Version ApiVersion { get; }

    /// <summary>The endpoint the docker CLI would use here (<see cref="EngineEndpoint.Resolve"/>).</summary>
    public static Uri DefaultEndpoint() => EngineEndpoint.Resolve();

    /// <summary>
    /// Connects, reads the engine's versions and negotiates; throws GBX1001 when nothing answers,
    /// GBX1004 when the engine and this client share no API version, GBX1005 when the endpoint cannot be resolved.
    /// </summary>
    public static async Task<EngineConnection> ConnectAsync(Uri? endpoint = null, CancellationToken cancellationToken = default)
    {
        endpoint ??= EngineEndpoint.Resolve();
        VersionResponse version;
        using (var unversioned = Build(endpoint, apiVersion: null))
        {
            version = await PingAsync(unversioned, endpoint, cancellationToken).ConfigureAwait(false);
        }

        var negotiated = EngineApi.Negotiate(endpoint, version.Version, version.APIVersion, version.MinAPIVersion);
        return new EngineConnection(Build(endpoint, negotiated), endpoint, version.Version ?? "unknown", version.APIVersion ?? "unknown", negotiated);
    }

    private static DockerClient Build(Uri endpoint, Version? apiVersion) =>
        new DockerClientBuilder()
            .WithEndpoint(endpoint)
            .WithApiVersion(apiVersion)
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .Build();

    private static async Task<VersionResponse> PingAsync(DockerClient client, Uri endpoint, CancellationToken cancellationToken)
    {
        try
        {
            return await ComingBack.ExecuteAsync(
                async token =>
                {
                    using var pingLimit = CancellationTokenSource.CreateLinkedTokenSource(token);
                    pingLimit.CancelAfter(PingLimit);
                    return await client.System.GetVersionAsync(pingLimit.Token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new EngineUnavailableException(
                Diagnostic.Create(nameof(DiagnosticMessages.EngineUnavailable), endpoint, Describe(ex)), ex);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => $"no answer within {PingLimit.TotalSeconds:0} s",
        HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };

    public void Dispose() => ((IDisposable)Client).Dispose();
}
