using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>Connects to the container engine the executor runs sandboxes on.</summary>
public static class SandboxEngines
{
    /// <summary>The engine at <paramref name="endpoint"/> (null: DOCKER_HOST or the local socket); GBX1001 when none answers.</summary>
    public static async Task<ISandboxEngine> ConnectAsync(Uri? endpoint = null, CancellationToken cancellationToken = default) =>
        new DockerSandboxEngine(await EngineConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false));

    /// <summary>DOCKER_HOST when set, else the local unix socket.</summary>
    public static Uri DefaultEndpoint() => EngineConnection.DefaultEndpoint();
}
