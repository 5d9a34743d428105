using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The wire between the thin client and the background service: frames of one type byte, a
/// 32-bit little-endian length and that many bytes. Small on purpose: the client must not load a
/// serializer to speak it.
/// </summary>
internal static class ServiceFrames
{
    public const ushort ProtocolVersion = 1;

    /// <summary>A frame longer than this is a broken or hostile peer, not a caller.</summary>
    public const int MaxPayload = 4 * 1024 * 1024;

    // Client → service.
    public const byte Hello = (byte)'H';
    public const byte StdinData = (byte)'I';
    public const byte Signal = (byte)'S';
    public const byte Resize = (byte)'W';

    // Service → client.
    public const byte Accepted = (byte)'A';
    public const byte NotHandled = (byte)'N';
    public const byte Refused = (byte)'R';
    public const byte StdoutData = (byte)'O';
    public const byte StderrData = (byte)'E';
    public const byte StdinWanted = (byte)'Q';
    public const byte TerminalRaw = (byte)'T';
    public const byte Exit = (byte)'X';

    /// <summary>"Still here": sent while a hook runs, so its client can tell a hung service from a slow hook.</summary>
    public const byte Heartbeat = (byte)'P';

    public static void Write(Socket socket, Lock gate, byte type, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[5];
        header[0] = type;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], payload.Length);
        lock (gate)
        {
            SendAll(socket, header);
            SendAll(socket, payload);
        }
    }

    public static void WriteInt(Socket socket, Lock gate, byte type, int value)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, value);
        Write(socket, gate, type, payload);
    }

    /// <summary>The next frame, or null at the end of the connection.</summary>
    public static async ValueTask<(byte Type, byte[] Payload)?> ReadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        if (!await ReceiveAllAsync(socket, header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(1));
        if (length is < 0 or > MaxPayload)
        {
            throw new InvalidDataException($"frame of {length} bytes");
        }

        var payload = length == 0 ? [] : new byte[length];
        return await ReceiveAllAsync(socket, payload, cancellationToken).ConfigureAwait(false) ? (header[0], payload) : null;
    }

    /// <summary>The next frame, read blocking (the thin client's way: no async machinery to load), or null at the end.</summary>
    public static (byte Type, byte[] Payload)? Read(Socket socket)
    {
        var header = new byte[5];
        if (!ReceiveAll(socket, header))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(1));
        if (length is < 0 or > MaxPayload)
        {
            throw new InvalidDataException($"frame of {length} bytes");
        }

        var payload = length == 0 ? [] : new byte[length];
        return ReceiveAll(socket, payload) ? (header[0], payload) : null;
    }

    public static int ReadInt(byte[] payload) => BinaryPrimitives.ReadInt32LittleEndian(payload);

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data)..];
        }
    }

    private static bool ReceiveAll(Socket socket, Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var count = socket.Receive(buffer[read..]);
            if (count == 0)
            {
                return false;
            }

            read += count;
        }

        return true;
    }

    private static async ValueTask<bool> ReceiveAllAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var count = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                return false;
            }

            read += count;
        }

        return true;
    }
}

/// <summary>What the client says first: who it speaks as (its arguments, directory and terminal).</summary>
internal sealed record ServiceHello(IReadOnlyList<string> Arguments, string WorkingDirectory, bool StdinIsTerminal, bool StdoutIsTerminal, bool StderrIsTerminal, int Columns, int Rows)
{
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(ServiceFrames.ProtocolVersion);
            writer.Write(Arguments.Count);
            foreach (var argument in Arguments)
            {
                writer.Write(argument);
            }

            writer.Write(WorkingDirectory);
            writer.Write((byte)((StdinIsTerminal ? 1 : 0) | (StdoutIsTerminal ? 2 : 0) | (StderrIsTerminal ? 4 : 0)));
            writer.Write(Columns);
            writer.Write(Rows);
        }

        return buffer.ToArray();
    }

    /// <summary>The hello in <paramref name="payload"/>; null when it is not one this version speaks.</summary>
    public static ServiceHello? Decode(byte[] payload)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
            if (reader.ReadUInt16() != ServiceFrames.ProtocolVersion)
            {
                return null;
            }

            var count = reader.ReadInt32();
            if (count is < 0 or > 100_000)
            {
                return null;
            }

            var arguments = new string[count];
            for (var i = 0; i < count; i++)
            {
                arguments[i] = reader.ReadString();
            }

            var directory = reader.ReadString();
            var flags = reader.ReadByte();
            return new ServiceHello(arguments, directory, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, reader.ReadInt32(), reader.ReadInt32());
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }
}

/// <summary>
/// The payload of <see cref="ServiceFrames.Accepted"/> for a hook (a run's is empty): what the client does
/// if it loses the service from here on (block, or allow with a warning), and how often the service
/// says it is still there.
/// </summary>
internal sealed record HookAcceptance(bool Allow, int HeartbeatMilliseconds, string Command)
{
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Allow);
            writer.Write(HeartbeatMilliseconds);
            writer.Write(Command);
        }

        return buffer.ToArray();
    }

    /// <summary>The hook's acceptance in <paramref name="payload"/>; null for a run's (empty) or one this version cannot read.</summary>
    public static HookAcceptance? Decode(byte[] payload)
    {
        if (payload.Length == 0)
        {
            return null;
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
            return new HookAcceptance(reader.ReadBoolean(), reader.ReadInt32(), reader.ReadString());
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }
}
