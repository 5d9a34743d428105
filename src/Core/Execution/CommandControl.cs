namespace Gadugi.BuildExec.Core.Execution;

/// <summary>The size of a pseudo-terminal, in characters.</summary>
public sealed record TerminalSize(int Columns, int Rows);

/// <summary>
/// What a caller can do to a command while it runs, as a terminal and a shell would: forward a signal
/// to its process group (then kill it after <see cref="StopTimeout"/> if it is still running) and resize
/// its terminal. One per request; signals and sizes given before the command started are kept for it.
/// </summary>
public sealed class CommandControl
{
    /// <summary>How long a command may take to end after the first forwarded signal, as <c>docker stop</c>'s default.</summary>
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private Func<int, Task>? _signal;
    private Func<TerminalSize, Task>? _resize;
    private TerminalSize? _pendingSize;

    /// <summary>How long the command may take to end after the first forwarded signal before its sandbox is killed.</summary>
    public TimeSpan StopTimeout { get; init; } = DefaultStopTimeout;

    /// <summary>The first signal forwarded to the running command (a Linux signal number), or null.</summary>
    public int? ForwardedSignal { get; private set; }

    /// <summary>
    /// Forwards <paramref name="signal"/> (a Linux signal number) to the command's process group.
    /// False when no command is running yet (or any more): the caller decides (cancel the run, say).
    /// </summary>
    public bool TrySignal(int signal)
    {
        Func<int, Task>? deliver;
        lock (_gate)
        {
            deliver = _signal;
            if (deliver is null)
            {
                return false;
            }

            ForwardedSignal ??= signal;
        }

        _ = deliver(signal);
        return true;
    }

    /// <summary>Resizes the command's terminal (kept for the command when it has not started yet).</summary>
    public void Resize(TerminalSize size)
    {
        Func<TerminalSize, Task>? deliver;
        lock (_gate)
        {
            deliver = _resize;
            if (deliver is null)
            {
                _pendingSize = size;
                return;
            }
        }

        _ = deliver(size);
    }

    /// <summary>Connects the running command; disposing the result disconnects it (signals are then refused).</summary>
    internal IDisposable Attach(Func<int, Task> signal, Func<TerminalSize, Task> resize)
    {
        TerminalSize? pending;
        lock (_gate)
        {
            _signal = signal;
            _resize = resize;
            pending = _pendingSize;
            _pendingSize = null;
        }

        if (pending is not null)
        {
            _ = resize(pending);
        }

        return new Detach(this);
    }

    private sealed class Detach(CommandControl control) : IDisposable
    {
        public void Dispose()
        {
            lock (control._gate)
            {
                control._signal = null;
                control._resize = null;
            }
        }
    }
}
