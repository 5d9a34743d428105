using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// An engine endpoint on a private unix socket that answers <c>/version</c> with the versions it is
/// given and, like Docker 29, refuses requests of an API version outside its range (400, the
/// engine's wording); everything else in range gets an empty list. It records every request line,
/// so a test can see which API version the client spoke. Engines of other versions are not on this machine.
/// </summary>
internal sealed partial class StandInEngine : UnixHttpEndpoint
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Version _minimum;
    private readonly Version _maximum;
    private readonly string _engineVersion;

    public StandInEngine(string minimumApi, string maximumApi, string engineVersion = "29.0.0")
        : base("gadugi-stand-in-engine-")
    {
        _minimum = Version.Parse(minimumApi);
        _maximum = Version.Parse(maximumApi);
        _engineVersion = engineVersion;
        Listen();
    }

    public Uri Endpoint => new("unix://" + SocketPath);

    /// <summary>Request paths (with query), in the order they arrived.</summary>
    public IReadOnlyList<string> Paths => _requests.ToArray();

    [GeneratedRegex(@"^/v(\d+\.\d+)/")]
    private static partial Regex VersionedPath();

    protected override (string Status, string Body) Answer(string path)
    {
        _requests.Enqueue(path);
        var versioned = VersionedPath().Match(path);
        if (versioned.Success)
        {
            var asked = Version.Parse(versioned.Groups[1].Value);
            if (asked < _minimum)
            {
                return ("400 Bad Request", $"{{\"message\":\"client version {asked} is too old. Minimum supported API version is {_minimum}, please upgrade your client to a newer version\"}}");
            }

            if (asked > _maximum)
            {
                return ("400 Bad Request", $"{{\"message\":\"client version {asked} is too new. Maximum supported API version is {_maximum}\"}}");
            }
        }

        var resource = versioned.Success ? path[(versioned.Length - 1)..] : path;
        return resource.StartsWith("/version", StringComparison.Ordinal)
            ? ("200 OK", $"{{\"Version\":\"{_engineVersion}\",\"ApiVersion\":\"{_maximum}\",\"MinAPIVersion\":\"{_minimum}\",\"Os\":\"linux\",\"Arch\":\"amd64\"}}")
            : ("200 OK", "[]");
    }
}
