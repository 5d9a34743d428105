using System.Collections.Frozen;
using System.Globalization;

namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// What a policy's own seccomp profile must keep: a policy may point at another profile, it may not
/// switch the filter off. The default action must deny, no rule may let through a call the built-in
/// profile never allows (docs/security.md, "Seccomp profile"), and clone, socket and personality may
/// be allowed only for the argument values the built-in profile allows. Judged on the profile as
/// <see cref="SeccompProfileReader"/> read it, which is also the profile the engine is sent.
/// </summary>
internal static class SeccompConfinement
{
    /// <summary>Actions that stop a call: anything else (ALLOW, LOG, TRACE, NOTIFY) lets it run or hands it to someone else.</summary>
    public static readonly FrozenSet<string> DenyingActions = FrozenSet.ToFrozenSet(
        ["SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"],
        StringComparer.Ordinal);

    /// <summary>Calls no rule of any profile may permit, whatever its arguments or conditions.</summary>
    public static readonly FrozenSet<string> NeverAllowed = FrozenSet.ToFrozenSet(
    [
        "init_module", "finit_module", "delete_module", "create_module", "kexec_load", "kexec_file_load", "reboot",
        "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "keyctl", "add_key", "request_key", "open_by_handle_at", "name_to_handle_at",
        "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "mount_setattr",
        "fsopen", "fsconfig", "fsmount", "fspick", "unshare", "setns", "clone3",
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
        "swapon", "swapoff", "acct", "syslog", "iopl", "ioperm", "lookup_dcookie",
        // The 32-bit socket multiplexer: its arguments are in memory, so a family rule on socket cannot see them.
        "socketcall",
    ], StringComparer.OrdinalIgnoreCase);

    /// <summary>CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: an allowed clone must test all of them zero.</summary>
    public const long NamespaceFlags = 0x7E020000L;

    /// <summary>AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK: the address families a sandbox may open sockets of.</summary>
    public static readonly FrozenSet<uint> SocketFamilies = FrozenSet.ToFrozenSet<uint>([1, 2, 10, 16]);

    /// <summary>PER_LINUX, PER_LINUX_32BIT, UNAME26, PER_LINUX32 and the query value 0xffffffff.</summary>
    public static readonly FrozenSet<uint> Personalities = FrozenSet.ToFrozenSet<uint>([0x0, 0x8, 0x20000, 0x20008, 0xffffffff]);

    /// <summary>Calls allowed only for some values of their first argument.</summary>
    public static readonly IReadOnlyList<SeccompArgumentRestriction> Restrictions =
    [
        new SeccompFlagsMustBeClear("clone", NamespaceFlags, "requiring every CLONE_NEW* flag (0x7E020000) to be zero in argument 0"),
        new SeccompValueMustBeListed("socket", SocketFamilies, "requiring argument 0 to equal one of the families AF_UNIX (1), AF_INET (2), AF_INET6 (10), AF_NETLINK (16), one rule each"),
        new SeccompValueMustBeListed("personality", Personalities, "requiring argument 0 to equal a standard personality (0x0, 0x8, 0x20000, 0x20008 or 0xffffffff), one rule each"),
    ];

    /// <summary>Why <paramref name="profile"/> does not confine the sandbox, or null when it does.</summary>
    public static string? FindHole(SeccompProfile profile)
    {
        if (!DenyingActions.Contains(profile.DefaultAction))
        {
            return $"\"defaultAction\" is \"{profile.DefaultAction}\", not one that denies ({string.Join(", ", DenyingActions.Order(StringComparer.Ordinal))})";
        }

        for (var index = 0; index < profile.Syscalls.Count; index++)
        {
            if (FindHole(profile.Syscalls[index], index) is { } hole)
            {
                return hole;
            }
        }

        return null;
    }

    private static string? FindHole(SeccompRule rule, int index)
    {
        // Includes and excludes are ignored: a rule the engine might leave out can only allow less.
        if (DenyingActions.Contains(rule.Action))
        {
            return null;
        }

        var where = string.Create(CultureInfo.InvariantCulture, $"\"syscalls\"[{index}]");
        foreach (var name in rule.Names)
        {
            if (NeverAllowed.Contains(name))
            {
                return $"{where} lets '{name}' through ({rule.Action}), a call no profile may allow";
            }

            foreach (var restriction in Restrictions)
            {
                if (string.Equals(name, restriction.Call, StringComparison.OrdinalIgnoreCase) && restriction.LetsForbiddenThrough(rule))
                {
                    return $"{where} lets '{name}' through ({rule.Action}) without {restriction.Requirement}";
                }
            }
        }

        return null;
    }
}
