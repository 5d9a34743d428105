using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>Connects to the container engine the executor runs sandboxes on.</summary>
public static class SandboxEngines
{
    /// <summary>
    /// The engine at <paramref name="endpoint"/> (null: the docker CLI's, DOCKER_HOST, the docker
    /// context, else the local socket), spoken to in the highest API version both support; GBX1001 when
    /// none answers, GBX1004 when it shares no API version with this client, GBX1005 when the endpoint
    /// cannot be resolved.
    /// </summary>
    public static async Task<ISandboxEngine> ConnectAsync(Uri? endpoint = null, CancellationToken cancellationToken = default) =>
        new DockerSandboxEngine(await EngineConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false));

    /// <summary>The endpoint the docker CLI would use: DOCKER_HOST, DOCKER_CONTEXT, the current context, else the local socket.</summary>
    public static Uri DefaultEndpoint() => EngineConnection.DefaultEndpoint();
}
