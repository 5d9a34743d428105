using System.Net;
using System.Net.Sockets;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>A DNS server on one host address that answers every query (with the query itself, flagged as a response).</summary>
internal sealed class DnsResponder : IDisposable
{
    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stop = new();

    private DnsResponder(string address)
    {
        _socket = new UdpClient(new IPEndPoint(IPAddress.Parse(address), 53));
        _ = AnswerAsync();
    }

    public static DnsResponder Start(string address) => new(address);

    /// <summary>Whether a query sent from this host to <paramref name="address"/>:53 is answered.</summary>
    public static async Task<bool> AnswersAsync(string address)
    {
        using var client = new UdpClient();
        client.Connect(IPAddress.Parse(address), 53);
        await client.SendAsync(Query);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return (await client.ReceiveAsync(wait.Token)).Buffer.Length > 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static readonly byte[] Query = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0, 0, 1, 0, 1];

    private async Task AnswerAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var request = await _socket.ReceiveAsync(_stop.Token);
                var reply = request.Buffer.ToArray();
                if (reply.Length > 2)
                {
                    reply[2] |= 0x80;
                }

                await _socket.SendAsync(reply, request.RemoteEndPoint, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}
