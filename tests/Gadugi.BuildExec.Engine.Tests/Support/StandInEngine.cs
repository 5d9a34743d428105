using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// An engine endpoint on a private unix socket that answers <c>/version</c> with the versions it is
/// given and, like Docker 29, refuses requests of an API version outside its range (400, the
/// engine's wording); everything else in range gets an empty list. It records every request line,
/// so a test can see which API version the client spoke. Engines of other versions are not on this machine.
/// </summary>
internal sealed partial class StandInEngine : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Task _serving;
    private readonly string _directory;
    private readonly Version _minimum;
    private readonly Version _maximum;
    private readonly string _engineVersion;

    public StandInEngine(string minimumApi, string maximumApi, string engineVersion = "29.0.0")
    {
        _minimum = Version.Parse(minimumApi);
        _maximum = Version.Parse(maximumApi);
        _engineVersion = engineVersion;
        _directory = Directory.CreateTempSubdirectory("gadugi-stand-in-engine-").FullName;
        SocketPath = Path.Combine(_directory, "engine.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _serving = ServeAsync();
    }

    public string SocketPath { get; }

    public Uri Endpoint => new("unix://" + SocketPath);

    /// <summary>Request paths (with query), in the order they arrived.</summary>
    public IReadOnlyList<string> Paths => _requests.ToArray();

    [GeneratedRegex(@"^/v(\d+\.\d+)/")]
    private static partial Regex VersionedPath();

    private async Task ServeAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                _ = AnswerAsync(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        using (client)
        {
            await using var stream = new NetworkStream(client);
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var path = head.ToString().Split(' ')[1];
            _requests.Enqueue(path);
            var (status, body) = Answer(path);
            var response = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
        }
    }

    private (string Status, string Body) Answer(string path)
    {
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving;
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
