using Microsoft.Win32.SafeHandles;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>
/// This process's stdin, stdout and stderr as plain byte streams. A terminal is read and written
/// through its file descriptor: the runtime's console stream would read it through its own line
/// editor (its echo, its keys) and set the terminal up on first use, writing escape sequences into the
/// command's output. Anything else (a pipe, a file) keeps the console stream, which writes with
/// write(2) and so shares the descriptor's offset with the other writers of a redirected file.
/// </summary>
internal static class StandardStreams
{
    public static Stream Input() => HostTerminal.IsTerminal(0) ? OnTerminal(0, FileAccess.Read) : Console.OpenStandardInput();

    public static Stream Output() => HostTerminal.IsTerminal(1) ? OnTerminal(1, FileAccess.Write) : Console.OpenStandardOutput();

    public static Stream Error() => HostTerminal.IsTerminal(2) ? OnTerminal(2, FileAccess.Write) : Console.OpenStandardError();

    // A terminal is not seekable, so the file stream reads and writes it with read(2) and write(2).
    private static FileStream OnTerminal(int fd, FileAccess access) =>
        new(new SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);
}
