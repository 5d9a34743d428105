using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace Gadugi.BuildExec.Benchmarks.Soak;

/// <summary>
/// The destination the allowlist runs may reach: a TCP listener on one of this host's own
/// addresses that answers "pong" to every connection.
/// </summary>
internal sealed class PongServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public PongServer()
    {
        Address = HostAddress();
        _listener = new TcpListener(Address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _serving = ServeAsync();
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public string Destination => $"{Address}:{Port}";

    /// <summary>An IPv4 address of an interface that is up and is not loopback nor a bridge of an engine.</summary>
    private static IPAddress HostAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .Where(nic => !nic.Name.StartsWith("docker", StringComparison.Ordinal) && !nic.Name.StartsWith("br-", StringComparison.Ordinal) && !nic.Name.StartsWith("gbx", StringComparison.Ordinal) && !nic.Name.StartsWith("veth", StringComparison.Ordinal))
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork)
        ?? throw new InvalidOperationException("no IPv4 address of this host for the allowlist runs to reach");

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = AnswerAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private static async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("pong\n"));
            }
            catch (IOException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _stop.Dispose();
    }
}
