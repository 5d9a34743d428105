using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Gadugi.BuildExec.Cli.Run;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>Why a run did not go through the service; <see cref="Notice"/> is said on stderr (GBX7001–7005).</summary>
internal sealed record ServiceFallback(string Code, string Detail)
{
    /// <summary>No notice: the caller asked for the direct path, or the service does not serve this command line.</summary>
    public bool Silent => Code.Length == 0;

    /// <summary>The code of a fallback whose detail is the service's own coded message.</summary>
    public const string Verbatim = "verbatim";

    public static readonly ServiceFallback Quiet = new(string.Empty, string.Empty);
}

/// <summary>
/// <c>gadugi-exec run</c> as a thin client of the background service: it sends its arguments, directory
/// and terminal, and relays stdin, stdout, stderr, signals and the exit code. It loads none of the
/// executor, the YAML reader or the engine client. When no service answers in time it starts one; a
/// service that is dead, hung or refuses is a <see cref="ServiceFallback"/>, and the caller runs directly.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class ThinClient
{
    public const string PoolVariable = "GADUGI_POOL";
    public const string TimeoutVariable = "GADUGI_SERVICE_TIMEOUT";

    public const string HookName = "hook";

    /// <summary>The program started as the service; unset, this process's own (the native client sets the managed CLI, as it cannot serve).</summary>
    public static string? ServiceProgram { get; set; }

    /// <summary>The exit code of a run the service served, or why it did not.</summary>
    public static (int? ExitCode, ServiceFallback? Fallback) Run(string[] args)
    {
        if (!Wanted(args))
        {
            return (null, ServiceFallback.Quiet);
        }

        ServiceLocation location;
        try
        {
            location = ServiceLocation.ForThisProcess();
        }
        catch (ServiceUnsafeException ex)
        {
            return (null, new ServiceFallback("ServiceDirectoryUnsafe", ex.DirectoryPath + "\n" + ex.Reason));
        }

        var timeout = HandshakeTimeout();
        var hello = new ServiceHello(args, Directory.GetCurrentDirectory(), HostTerminal.IsTerminal(0), HostTerminal.IsTerminal(1), HostTerminal.IsTerminal(2), 80, 24);
        if (hello.StdinIsTerminal || hello.StdoutIsTerminal)
        {
            var (columns, rows) = HostTerminal.Dimensions();
            hello = hello with { Columns = columns, Rows = rows };
        }

        // 'pool' asks a running service and never starts one: with none, nothing is prepared.
        var pool = PoolRequest.ServiceAnswers(args);
        for (var attempt = 0; ; attempt++)
        {
            if (pool && attempt > 0)
            {
                return (null, ServiceFallback.Quiet);
            }

            ServiceFallback? failure = ServiceFallback.Quiet;
            var socket = pool
                ? TryConnect(location.SocketPath, timeout, out var connected, out _) ? connected : null
                : Connect(location, timeout, start: attempt > 0, out failure);
            if (socket is null)
            {
                return (null, failure);
            }

            var reply = Handshake(socket, hello, timeout);
            switch (reply.Type)
            {
                case ServiceFrames.Accepted when args[0] == HookName:
                    using (socket)
                    {
                        return (RelayHook(socket, reply.Payload, timeout), null);
                    }

                case ServiceFrames.Accepted:
                    using (socket)
                    {
                        return (Relay(socket, lost: ServiceLost.Report), null);
                    }

                case ServiceFrames.NotHandled:
                    socket.Dispose();
                    return (null, ServiceFallback.Quiet);
                case ServiceFrames.Refused:
                    socket.Dispose();
                    return (null, new ServiceFallback(ServiceFallback.Verbatim, Encoding.UTF8.GetString(reply.Payload)));
                case 0 when reply.TimedOut:
                    socket.Dispose();
                    return (null, new ServiceFallback("ServiceUnresponsive", $"{location.SocketPath}\n{timeout.TotalSeconds:0.###}"));
                default:
                    // The service ended as we came (its idle timeout): start another, once.
                    socket.Dispose();
                    if (attempt > 0)
                    {
                        return (null, new ServiceFallback("ServiceNotStarted", $"{location.SocketPath}\nit closed the connection before answering"));
                    }

                    break;
            }
        }
    }

    /// <summary>Only <c>run</c> and <c>hook</c> (not when the caller asked for the direct path) and <c>pool</c>.</summary>
    private static bool Wanted(string[] args)
    {
        if (args.Length == 0 || (args[0] is not ("run" or HookName) && !PoolRequest.ServiceAnswers(args)) || OperatingSystem.IsWindows()
            || string.Equals(Environment.GetEnvironmentVariable(PoolVariable), "off", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var argument in args.AsSpan(1))
        {
            if (argument == "--")
            {
                break;
            }

            if (argument == "--no-pool")
            {
                return false;
            }
        }

        return true;
    }

    private static TimeSpan HandshakeTimeout() =>
        double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(5);

    /// <summary>A connection to the service; when none listens, one is started (when <paramref name="start"/>) or it is started now and waited for.</summary>
    private static Socket? Connect(ServiceLocation location, TimeSpan timeout, bool start, out ServiceFallback? failure)
    {
        failure = null;
        var unanswered = false;
        if (!start && TryConnect(location.SocketPath, timeout, out var socket, out unanswered))
        {
            return socket;
        }
        else if (!start && unanswered)
        {
            failure = new ServiceFallback("ServiceUnresponsive", $"{location.SocketPath}\n{timeout.TotalSeconds:0.###}");
            return null;
        }

        try
        {
            StartService(location);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            failure = new ServiceFallback("ServiceNotStarted", $"{location.SocketPath}\n{ex.Message}");
            return null;
        }

        // A cold service needs the runtime's start-up before it listens; 20 s is far past that even on a busy machine.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (TryConnect(location.SocketPath, timeout, out socket, out _))
            {
                return socket;
            }

            Thread.Sleep(15);
        }

        failure = new ServiceFallback("ServiceNotStarted", $"{location.SocketPath}\nit did not listen within 20 s (its log: {location.LogPath})");
        return null;
    }

    private static bool TryConnect(string path, TimeSpan timeout, out Socket? socket, out bool unanswered)
    {
        unanswered = false;
        socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // A unix socket's connect returns at once (made, refused or missing) unless the listener's backlog is full.
            socket.SendTimeout = (int)timeout.TotalMilliseconds;
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            unanswered = true;
        }
        catch (SocketException)
        {
            // No socket, or nobody listens on it.
        }

        socket.Dispose();
        socket = null;
        return false;
    }

    private static void StartService(ServiceLocation location)
    {
        var host = ServiceProgram ?? Environment.ProcessPath ?? throw new InvalidOperationException("the program's path is unknown");
        var start = new ProcessStartInfo(host)
        {
            UseShellExecute = false,
            // Its own pipes, dropped at once: the service must not hold the caller's stdout or stderr open.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gadugi-exec.dll"));
        }

        foreach (var argument in new[] { "service", "serve", location.Directory, Path.GetFileNameWithoutExtension(location.SocketPath) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("the service did not start");
        process.StandardInput.Close();
        process.StandardOutput.Close();
        process.StandardError.Close();
    }

    private static (byte Type, byte[] Payload, bool TimedOut) Handshake(Socket socket, ServiceHello hello, TimeSpan timeout)
    {
        try
        {
            ServiceFrames.Write(socket, new Lock(), ServiceFrames.Hello, hello.Encode());
            socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            var reply = ServiceFrames.Read(socket);
            socket.ReceiveTimeout = 0;
            return reply is var (type, payload) ? (type, payload, false) : (0, [], false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return (0, [], true);
        }
        catch (Exception ex) when (ex is SocketException or InvalidDataException)
        {
            return (0, [], false);
        }
    }

    /// <summary>
    /// A hook, relayed as a run is, failing closed once the service has it: a service that ends before it
    /// reports the hook's exit (killed, crashed), or sends nothing, not even its heartbeat, for twice the
    /// handshake timeout (hung, stopped), is the executor's failure: exit 2 with a coded reason, or 0 with
    /// a warning under <c>--on-error allow</c> — never a 125 Claude Code would take as "go ahead".
    /// Closing the connection then cancels the hook in a service that comes back.
    /// </summary>
    private static int RelayHook(Socket socket, byte[] acceptancePayload, TimeSpan handshakeTimeout)
    {
        // Unreadable is not "a run": it blocks.
        var acceptance = HookAcceptance.Decode(acceptancePayload) ?? new HookAcceptance(false, 0, string.Empty);
        var silence = acceptance.HeartbeatMilliseconds > 0
            ? TimeSpan.FromMilliseconds(Math.Max(2 * handshakeTimeout.TotalMilliseconds, 5.0 * acceptance.HeartbeatMilliseconds))
            : (TimeSpan?)null;
        if (silence is { } limit)
        {
            socket.ReceiveTimeout = (int)limit.TotalMilliseconds;
        }

        try
        {
            return Relay(socket, lost: stderr => ServiceLost.ReportHook(stderr, acceptance, silence: null), silent: stderr => ServiceLost.ReportHook(stderr, acceptance, silence));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything else after acceptance is still not the hook's verdict.
            using var stderr = StandardStreams.Error();
            return ServiceLost.ReportHook(stderr, acceptance, silence: null);
        }
    }

    /// <summary>
    /// The run, relayed: the service's output to ours, our stdin when it asks, our signals to it.
    /// <paramref name="lost"/> says what the end of the service before the command's exit means (its exit
    /// code); <paramref name="silent"/>, when the socket has a receive timeout, what its silence means.
    /// </summary>
    private static int Relay(Socket socket, Func<Stream, int> lost, Func<Stream, int>? silent = null)
    {
        var gate = new Lock();
        using var stdout = StandardStreams.Output();
        using var stderr = StandardStreams.Error();
        using var signals = ForwardSignals(socket, gate);
        IDisposable? rawMode = null;
        Task? pendingRead = null;
        bool stdoutOpen = true, stderrOpen = true;
        var stdin = new Lazy<Stream>(StandardStreams.Input);
        try
        {
            while (true)
            {
                var frame = ServiceFrames.Read(socket);
                switch (frame)
                {
                    case null:
                        return lost(stderr);
                    case (ServiceFrames.StdoutData, var data):
                        stdoutOpen = stdoutOpen && TryWrite(stdout, data);
                        break;
                    case (ServiceFrames.StderrData, var data):
                        stderrOpen = stderrOpen && TryWrite(stderr, data);
                        break;
                    case (ServiceFrames.StdinWanted, var data):
                        {
                            // The service asks again as soon as the last answer arrived, which can be before
                            // the task that sent it has ended: every question is answered, one read at a time.
                            var wanted = Math.Clamp(ServiceFrames.ReadInt(data), 1, 1 << 20);
                            pendingRead = (pendingRead ?? Task.CompletedTask).ContinueWith(_ => SendInput(stdin.Value, socket, gate, wanted), TaskScheduler.Default);
                        }

                        break;
                    case (ServiceFrames.TerminalRaw, _):
                        rawMode ??= HostTerminal.RawMode();
                        break;
                    case (ServiceFrames.Exit, var data):
                        return ServiceFrames.ReadInt(data);
                }
            }
        }
        catch (SocketException ex) when (silent is not null && ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return silent(stderr);
        }
        catch (Exception ex) when (ex is SocketException or InvalidDataException or IOException)
        {
            return lost(stderr);
        }
        finally
        {
            rawMode?.Dispose();
        }
    }

    /// <summary>
    /// Writes what the command printed; false once the reader is gone (<c>| head -1</c>): the rest is
    /// dropped, as a closed pipe drops it, and the run goes on to its end and its exit code.
    /// </summary>
    private static bool TryWrite(Stream stream, byte[] data)
    {
        try
        {
            stream.Write(data);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void SendInput(Stream stdin, Socket socket, Lock gate, int wanted)
    {
        var buffer = new byte[wanted];
        int count;
        try
        {
            count = stdin.Read(buffer, 0, wanted);
        }
        catch (IOException)
        {
            count = 0;
        }

        try
        {
            ServiceFrames.Write(socket, gate, ServiceFrames.StdinData, buffer.AsSpan(0, count));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The run ended meanwhile.
        }
    }

    private static Signals ForwardSignals(Socket socket, Lock gate)
    {
        var registrations = new List<PosixSignalRegistration>();
        foreach (var (signal, number) in ForwardedSignals.All)
        {
            registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                Send(() => ServiceFrames.WriteInt(socket, gate, ServiceFrames.Signal, number));
            }));
        }

        registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Send(() =>
        {
            var (columns, rows) = HostTerminal.Dimensions();
            Span<byte> size = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(size, columns);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(size[4..], rows);
            ServiceFrames.Write(socket, gate, ServiceFrames.Resize, size);
        })));
        return new Signals(registrations);

        static void Send(Action send)
        {
            try
            {
                send();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The run is ending.
            }
        }
    }

    private sealed class Signals(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
