using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gadugi.BuildExec.Testing;

/// <summary>
/// An OTLP/HTTP endpoint on 127.0.0.1 (or another address of this host) that keeps each request body (protobuf, whose strings are plain
/// UTF-8, so names, tags and ids can be searched as text). Nothing it receives leaves the machine.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _requests = new();
    private readonly Task _loop;

    /// <param name="address">Where to listen: 127.0.0.1, or the host's address on a bridge network a test created (for a container).</param>
    public OtlpReceiver(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        using (var probe = new TcpListener(address, 0))
        {
            probe.Start();
            Endpoint = $"http://{address}:{((IPEndPoint)probe.LocalEndpoint).Port}";
        }

        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The value for OTEL_EXPORTER_OTLP_ENDPOINT (with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).</summary>
    public string Endpoint { get; }

    /// <summary>The bodies received on <paramref name="path"/> (/v1/traces, /v1/metrics), as text.</summary>
    public string[] Bodies(string path) =>
        _requests.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)).ToArray();

    /// <summary>The environment that points OpenTelemetry's OTLP exporter here.</summary>
    public Dictionary<string, string> ExporterEnvironment() => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
    };

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body).ConfigureAwait(false);
            _requests.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
