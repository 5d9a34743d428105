using Docker.DotNet;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// A live connection to a Docker-compatible engine. API version is pinned to 1.41 (Docker 20.10),
/// the oldest engine we support; newer engines answer 1.41 requests unchanged.
/// </summary>
internal sealed class EngineConnection : IDisposable
{
    public static readonly Version ApiVersion = new(1, 41);

    private EngineConnection(DockerClient client, Uri endpoint, string serverVersion, string serverApiVersion)
    {
        Client = client;
        Endpoint = endpoint;
        ServerVersion = serverVersion;
        ServerApiVersion = serverApiVersion;
    }

    public IDockerClient Client { get; }

    public Uri Endpoint { get; }

    public string ServerVersion { get; }

    public string ServerApiVersion { get; }

    /// <summary>DOCKER_HOST when set, else the local unix socket.</summary>
    public static Uri DefaultEndpoint()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrWhiteSpace(fromEnvironment)
            ? new Uri("unix:///var/run/docker.sock")
            : new Uri(fromEnvironment);
    }

    /// <summary>Connects and pings the engine; throws GBX1001 when nothing answers.</summary>
    public static async Task<EngineConnection> ConnectAsync(Uri? endpoint = null, CancellationToken cancellationToken = default)
    {
        endpoint ??= DefaultEndpoint();
        var client = new DockerClientBuilder()
            .WithEndpoint(endpoint)
            .WithApiVersion(ApiVersion)
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .Build();
        try
        {
            using var pingTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            pingTimeout.CancelAfter(TimeSpan.FromSeconds(10));
            var version = await client.System.GetVersionAsync(pingTimeout.Token).ConfigureAwait(false);
            return new EngineConnection(client, endpoint, version.Version, version.APIVersion);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new GadugiException(
                Diagnostic.Create(nameof(DiagnosticMessages.EngineUnavailable), endpoint, Describe(ex)), ex);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "no answer within 10 s",
        System.Net.Http.HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };

    public void Dispose() => ((IDisposable)Client).Dispose();
}
