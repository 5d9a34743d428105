using System.Net.Sockets;
using System.Text;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// An engine endpoint that answers the version ping like Docker 20.10 and fails every other request
/// with 500: the failures a real engine shows under trouble, which it cannot be made to show on demand.
/// </summary>
internal sealed class FaultyEngine : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly string _directory;

    public FaultyEngine()
    {
        _directory = Directory.CreateTempSubdirectory("gadugi-faulty-engine-").FullName;
        SocketPath = Path.Combine(_directory, "engine.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _serving = ServeAsync();
    }

    public string SocketPath { get; }

    public string DockerHost => "unix://" + SocketPath;

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

    private static async Task AnswerAsync(Socket client)
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
            var (status, body) = path.EndsWith("/version", StringComparison.Ordinal)
                ? ("200 OK", "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\"}")
                : ("500 Internal Server Error", "{\"message\":\"injected engine failure\"}");
            var response = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
        }
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
