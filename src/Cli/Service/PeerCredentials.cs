using System.Buffers.Binary;
using System.Net.Sockets;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>Who is on the other end of a unix socket, as the kernel says (SO_PEERCRED), not as the peer claims.</summary>
internal readonly record struct PeerCredentials(int ProcessId, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> credentials = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        if (length != 12)
        {
            throw new SocketException((int)SocketError.ProtocolNotSupported);
        }

        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(credentials),
            BinaryPrimitives.ReadUInt32LittleEndian(credentials[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(credentials[8..]));
    }
}
