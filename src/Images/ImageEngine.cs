using Docker.DotNet;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Images;

/// <summary>The engine the images are built in and listed from: the executor's own connection (API pinned, GBX1001 when none answers).</summary>
public sealed class ImageEngine : IDisposable
{
    private readonly EngineConnection _connection;

    private ImageEngine(EngineConnection connection) => _connection = connection;

    public IDockerClient Client => _connection.Client;

    /// <summary>Connects to <paramref name="endpoint"/> (null: the docker CLI's, DOCKER_HOST, the docker context, else the local socket).</summary>
    public static async Task<ImageEngine> ConnectAsync(Uri? endpoint = null, CancellationToken cancellationToken = default) =>
        new(await EngineConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false));

    public void Dispose() => _connection.Dispose();
}
