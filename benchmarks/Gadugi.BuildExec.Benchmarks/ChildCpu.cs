using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Benchmarks;

/// <summary>
/// CPU time (user + system) of this process's waited-for children, from getrusage(RUSAGE_CHILDREN): the
/// difference across a batch of sequential child runs is the CPU their clients (the docker CLI,
/// gadugi-exec) spent, not the sandboxes' (the engine runs those). A process's CPU times survive execve,
/// so the native front end's figure includes the managed CLI it became for a command line it did not serve.
/// The background service it starts is not waited for (it outlives the call), so its CPU is not in it.
/// </summary>
internal static partial class ChildCpu
{
    private const int RusageChildren = -1;

    public static unsafe TimeSpan Total()
    {
        var usage = stackalloc long[18];
        if (GetRusage(RusageChildren, usage) != 0)
        {
            throw new InvalidOperationException("getrusage(RUSAGE_CHILDREN) failed: " + Marshal.GetLastPInvokeError());
        }

        // struct rusage starts with two struct timevals: ru_utime, ru_stime (seconds, microseconds).
        var micros = (usage[0] * 1_000_000) + usage[1] + (usage[2] * 1_000_000) + usage[3];
        return TimeSpan.FromMicroseconds(micros);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static unsafe partial int GetRusage(int who, long* usage);
}
