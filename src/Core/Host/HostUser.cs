using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Core.Host;

/// <summary>The calling process's user, for ownership decisions and the audit record.</summary>
internal static class HostUser
{
    public static uint Uid => OperatingSystem.IsWindows() ? 0 : geteuid();

    public static uint Gid => OperatingSystem.IsWindows() ? 0 : getegid();

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = false)]
    private static extern uint getegid();
}
