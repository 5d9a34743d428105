namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// Translates a path as this process sees it into the path the engine's host sees. They differ
/// when this process itself runs in a container that talks to the host engine through its socket
/// (the GitHub Action): bind mounts are resolved on the host.
/// </summary>
public interface IEnginePathMapper
{
    string ToEnginePath(string localPath);
}

/// <summary>This process and the engine share one filesystem view.</summary>
public sealed class IdentityPathMapper : IEnginePathMapper
{
    public static IdentityPathMapper Instance { get; } = new();

    public string ToEnginePath(string localPath) => localPath;
}
