using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Images;

/// <summary>The two Linux calls the managed runtime does not offer: signalling a process group and detaching a mount.</summary>
internal static partial class NativeMethods
{
    public const int SigTerm = 15;
    private const int MntDetach = 2;

    /// <summary>Sends <paramref name="signal"/> to every process of group <paramref name="processGroupId"/>.</summary>
    public static bool SignalProcessGroup(int processGroupId, int signal) => Kill(-processGroupId, signal) == 0;

    /// <summary>Lazily unmounts <paramref name="path"/>; false when it was not a mount point or could not be detached.</summary>
    public static bool DetachMount(string path) => Umount2(path, MntDetach) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);
}
