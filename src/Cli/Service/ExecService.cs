using System.Net.Sockets;
using System.Runtime.InteropServices;
using Gadugi.BuildExec.Cli.Commands;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The per-user background service behind <c>gadugi-exec run</c>: it listens on its socket (mode 0600 in
/// a 0700 directory), serves each client of its own uid with warm executors, and exits after
/// <c>$GADUGI_SERVICE_IDLE</c> (default 5 minutes) with no client. One per socket: it holds the lock
/// file while it lives, so a second one started at the same time exits at once.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class ExecService
{
    public const string IdleVariable = "GADUGI_SERVICE_IDLE";

    private static readonly TimeSpan DefaultIdle = TimeSpan.FromMinutes(5);

    private readonly ServiceLocation _location;
    private readonly TimeSpan _idle;
    private int _active;
    private long _lastActivity = Environment.TickCount64;

    private ExecService(ServiceLocation location, TimeSpan idle)
    {
        _location = location;
        _idle = idle;
    }

    /// <summary><c>gadugi-exec service serve DIRECTORY NAME</c>, started by a client; never by hand.</summary>
    public static async Task<int> ServeAsync(string directory, string name)
    {
        var location = ServiceLocation.At(directory, name);
        Detach(location.LogPath);
        FileStream held;
        try
        {
            held = new FileStream(location.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            return 0; // Another service holds this socket.
        }

        await using (held.ConfigureAwait(false))
        {
            File.WriteAllText(location.PidPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            try
            {
                var service = new ExecService(location, IdleTimeout());
                return await service.ListenAsync().ConfigureAwait(false);
            }
            finally
            {
                File.Delete(location.PidPath);
            }
        }
    }

    private static TimeSpan IdleTimeout() =>
        Environment.GetEnvironmentVariable(IdleVariable) is { Length: > 0 } text
            && Core.Policies.PolicyValueParser.ParseDuration(text.All(char.IsAsciiDigit) ? text + "s" : text) is { } idle && idle > TimeSpan.Zero
            ? idle
            : DefaultIdle;

    private async Task<int> ListenAsync()
    {
        using var loggerFactory = CliConsole.CreateLoggerFactory(verbose: false);
        var logger = loggerFactory.CreateLogger<ExecService>();
        await using var executors = new WarmExecutors(loggerFactory);
        using var stopping = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });

        File.Delete(_location.SocketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var previous = Umask(0x3F); // 077: the socket is made 0600, never wider for an instant.
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(_location.SocketPath));
        }
        finally
        {
            _ = Umask(previous);
        }

        File.SetUnixFileMode(_location.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        listener.Listen(64);
        ServiceLog.Listening(logger, _location.SocketPath);
        var sessions = new List<Task>();
        var idleWatch = WatchIdleAsync(stopping);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                Interlocked.Increment(ref _active);
                sessions.RemoveAll(task => task.IsCompleted);
                sessions.Add(ServeClientAsync(client, executors, logger, stopping.Token));
            }
        }
        finally
        {
            // New clients find no socket (they start a new service, or run directly); the ones served finish.
            File.Delete(_location.SocketPath);
            await Task.WhenAll(sessions).ConfigureAwait(false);
            await idleWatch.ConfigureAwait(false);
        }

        return 0;
    }

    private async Task ServeClientAsync(Socket client, WarmExecutors executors, ILogger logger, CancellationToken stopping)
    {
        try
        {
            await Task.Yield();
            using (client)
            {
                await new ServiceSession(client, executors, logger).ServeAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            ServiceLog.ClientEnded(logger, ex);
        }
        catch (Exception ex)
        {
            ServiceLog.ClientFailed(logger, ex);
        }
        finally
        {
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            Interlocked.Decrement(ref _active);
        }
    }

    private async Task WatchIdleAsync(CancellationTokenSource stopping)
    {
        var step = TimeSpan.FromMilliseconds(Math.Clamp(_idle.TotalMilliseconds / 4, 50, 5000));
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await Task.Delay(step, stopping.Token).ConfigureAwait(false);
                if (Volatile.Read(ref _active) == 0 && Environment.TickCount64 - Volatile.Read(ref _lastActivity) >= _idle.TotalMilliseconds)
                {
                    await stopping.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Leaves the starter's session and its streams: a caller piping <c>gadugi-exec run</c> into another
    /// program must see its end when the client exits, and a Ctrl+C at the caller's terminal is the
    /// client's to forward, not this process's to die of.
    /// </summary>
    private static void Detach(string logPath)
    {
        _ = SetSid();
        using var devNull = File.Open("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        using var log = new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        File.SetUnixFileMode(logPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _ = Dup2((int)devNull.SafeFileHandle.DangerousGetHandle(), 0);
        _ = Dup2((int)log.SafeFileHandle.DangerousGetHandle(), 1);
        _ = Dup2((int)log.SafeFileHandle.DangerousGetHandle(), 2);
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial int Umask(int mask);
}
