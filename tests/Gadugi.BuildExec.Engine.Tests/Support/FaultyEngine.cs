namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// An engine endpoint that answers the version ping like Docker 20.10 and fails every other request
/// with 500: the failures a real engine shows under trouble, which it cannot be made to show on demand.
/// </summary>
internal sealed class FaultyEngine : UnixHttpEndpoint
{
    public FaultyEngine()
        : base("gadugi-faulty-engine-")
    {
        Listen();
    }

    public string DockerHost => "unix://" + SocketPath;

    protected override (string Status, string Body) Answer(string path) => path.EndsWith("/version", StringComparison.Ordinal)
        ? ("200 OK", "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\"}")
        : ("500 Internal Server Error", "{\"message\":\"injected engine failure\"}");
}
