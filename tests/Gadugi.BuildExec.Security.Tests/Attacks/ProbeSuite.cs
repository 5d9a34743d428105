using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>errno values the probes are refused with.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ENXIO = 6;
    public const int EACCES = 13;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int EROFS = 30;
    public const int ENOSPC = 28;
    public const int EMFILE = 24;
    public const int ENOSYS = 38;
    public const int EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97;
    public const int ENETUNREACH = 101;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EAI_NONAME = -2;
    public const int EAI_AGAIN = -3;
}

/// <summary>
/// A group of probes, run under one runtime. Concrete classes per runtime inherit every test, so
/// the same attacks face runc and gVisor; where gVisor's own kernel answers differently, the test
/// says why that is still safe and asserts the gVisor invariant instead.
/// </summary>
public abstract class ProbeSuite
{
    protected abstract SandboxRuntime Runtime { get; }

    protected bool IsGvisor => Runtime == SandboxRuntime.Gvisor;

    private protected Task<ProbeRun> RunAsync(string group) => ProbeRun.GetAsync(group, Runtime);

    /// <summary>
    /// The kernel that answers the sandbox's system calls is gVisor's Sentry, not the host's: it
    /// reports gVisor's fixed release and its own boot log. A call the Sentry implements (a user
    /// namespace, io_uring, a device node on its tmpfs) never reaches the host kernel, and the
    /// Sentry itself runs under gVisor's strict host seccomp filter.
    /// </summary>
    private protected async Task AssertAnsweredByGvisorAsync()
    {
        var identity = (await RunAsync("escape"))["kernel_identity"].Detail;
        var release = identity.GetProperty("release").GetString();
        Assert.AreNotEqual(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), release, "under gVisor the sandbox must not talk to the host kernel");
        StringAssert.Contains(identity.GetProperty("log").GetString(), "Starting gVisor");
    }
}
