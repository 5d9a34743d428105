using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>
/// The terminal this process runs in, if any: whether a command should get one too (as <c>docker run -it</c>
/// decides: stdin and stdout are terminals), its size, and raw mode while the command owns it (so keys,
/// Ctrl+C included, reach the command's terminal as typed, and its terminal echoes them).
/// </summary>
internal static partial class HostTerminal
{
    private const int StdinFd = 0;
    private const int StdoutFd = 1;
    private const int TcsaNow = 0;

    /// <summary>TIOCGWINSZ on Linux (x86-64, arm64 and arm alike).</summary>
    private const nuint TiocGWinSz = 0x5413;

    /// <summary>Big enough for any libc's struct termios (glibc's is 60 bytes).</summary>
    private const int TermiosBytes = 256;

    public static bool StdinAndStdoutAreTerminals => IsATty(StdinFd) == 1 && IsATty(StdoutFd) == 1;

    public static bool IsTerminal(int fd) => IsATty(fd) == 1;

    /// <summary>
    /// The size of this process's terminal (stdout's, else stdin's); 80x24 when neither is one. Read with
    /// TIOCGWINSZ, not System.Console, whose terminal set-up would write escape sequences into the output.
    /// Plain numbers: the thin clients (this CLI's and the native one, which links this file) load no executor types.
    /// </summary>
    public static unsafe (int Columns, int Rows) Dimensions()
    {
        foreach (var fd in new[] { StdoutFd, StdinFd })
        {
            WindowSize size;
            if (IoctlWindowSize(fd, TiocGWinSz, &size) == 0 && size.Columns > 0 && size.Rows > 0)
            {
                return (size.Columns, size.Rows);
            }
        }

        return (80, 24);
    }

    /// <summary>Puts stdin's terminal in raw mode until the result is disposed; nothing when stdin is no terminal.</summary>
    public static unsafe IDisposable RawMode()
    {
        if (IsATty(StdinFd) != 1)
        {
            return NoChange.Instance;
        }

        var saved = new byte[TermiosBytes];
        var raw = new byte[TermiosBytes];
        fixed (byte* savedPointer = saved)
        fixed (byte* rawPointer = raw)
        {
            if (TcGetAttr(StdinFd, savedPointer) != 0)
            {
                return NoChange.Instance;
            }

            saved.CopyTo(raw, 0);
            CfMakeRaw(rawPointer);
            return TcSetAttr(StdinFd, TcsaNow, rawPointer) == 0 ? new Restore(saved) : NoChange.Instance;
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlWindowSize(int fd, nuint request, WindowSize* size);

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static unsafe partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static unsafe partial int TcSetAttr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static unsafe partial void CfMakeRaw(byte* termios);

    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    private sealed class Restore(byte[] saved) : IDisposable
    {
        private int _done;

        public unsafe void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return;
            }

            fixed (byte* pointer = saved)
            {
                _ = TcSetAttr(StdinFd, TcsaNow, pointer);
            }
        }
    }

    private sealed class NoChange : IDisposable
    {
        public static readonly NoChange Instance = new();

        public void Dispose()
        {
        }
    }
}
