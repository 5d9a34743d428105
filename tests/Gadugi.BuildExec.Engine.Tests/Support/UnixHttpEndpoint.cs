using System.Net.Sockets;
using System.Text;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// A minimal HTTP/1.1 endpoint on a private unix socket, one request per connection: the plumbing of
/// the stand-in engines, which differ only in how they answer a request path.
/// </summary>
internal abstract class UnixHttpEndpoint : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _directory;
    private Task _serving = Task.CompletedTask;

    protected UnixHttpEndpoint(string directoryPrefix)
    {
        _directory = Directory.CreateTempSubdirectory(directoryPrefix).FullName;
        SocketPath = Path.Combine(_directory, "engine.sock");
    }

    public string SocketPath { get; }

    /// <summary>Binds and starts answering; called by the subclass once its own state is set.</summary>
    protected void Listen()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(16);
        _serving = ServeAsync();
    }

    /// <summary>The status line's status and the JSON body for a request path (with query).</summary>
    protected abstract (string Status, string Body) Answer(string path);

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

            var (status, body) = Answer(head.ToString().Split(' ')[1]);
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
