using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// What a policy's own seccomp profile must keep: a policy may point at another profile, it may not
/// switch the filter off. The default action must deny, and no rule may let through a call the
/// built-in profile never allows (docs/security.md, "Never allowed by any profile").
/// </summary>
internal static class SeccompConfinement
{
    /// <summary>Actions that stop a call: anything else (ALLOW, LOG, TRACE, NOTIFY, …) lets it run.</summary>
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
    ], StringComparer.Ordinal);

    /// <summary>CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: an allowed clone must test all of them zero.</summary>
    public const long NamespaceFlags = 0x7E020000L;

    /// <summary>Why <paramref name="profile"/> does not confine the sandbox, or null when it does.</summary>
    public static string? FindHole(JsonElement profile)
    {
        var defaultAction = profile.TryGetProperty("defaultAction", out var action) && action.ValueKind == JsonValueKind.String
            ? action.GetString()!
            : null;
        if (defaultAction is null || !DenyingActions.Contains(defaultAction))
        {
            return $"\"defaultAction\" is {Show(action)}, not one that denies ({string.Join(", ", DenyingActions.Order(StringComparer.Ordinal))})";
        }

        if (!profile.TryGetProperty("syscalls", out var rules))
        {
            return null;
        }

        if (rules.ValueKind != JsonValueKind.Array)
        {
            return "\"syscalls\" is not an array of rules";
        }

        var index = 0;
        foreach (var rule in rules.EnumerateArray())
        {
            var hole = FindHole(rule, index++);
            if (hole is not null)
            {
                return hole;
            }
        }

        return null;
    }

    private static string? FindHole(JsonElement rule, int index)
    {
        var where = string.Create(CultureInfo.InvariantCulture, $"\"syscalls\"[{index}]");
        if (rule.ValueKind != JsonValueKind.Object || !rule.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
        {
            return where + " has no \"action\"";
        }

        if (DenyingActions.Contains(action.GetString()!))
        {
            return null;
        }

        foreach (var name in Names(rule))
        {
            if (name is null)
            {
                return where + " names a system call that is not a string";
            }

            if (NeverAllowed.Contains(name))
            {
                return $"{where} lets '{name}' through ({action.GetString()}), a call no profile may allow";
            }

            if (name == "clone" && !TestsNamespaceFlags(rule))
            {
                return $"{where} lets 'clone' through ({action.GetString()}) without requiring every CLONE_NEW* flag (0x7E020000) to be zero in argument 0";
            }
        }

        return null;
    }

    private static IEnumerable<string?> Names(JsonElement rule)
    {
        if (rule.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in names.EnumerateArray())
            {
                yield return name.ValueKind == JsonValueKind.String ? name.GetString() : null;
            }
        }

        // The older single-call form.
        if (rule.TryGetProperty("name", out var single))
        {
            yield return single.ValueKind == JsonValueKind.String ? single.GetString() : null;
        }
    }

    private static bool TestsNamespaceFlags(JsonElement rule) =>
        rule.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Array && args.EnumerateArray().Any(arg =>
            arg.ValueKind == JsonValueKind.Object
            && Long(arg, "index") == 0
            && arg.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String && op.GetString() == "SCMP_CMP_MASKED_EQ"
            && Long(arg, "value") is { } mask && (mask & NamespaceFlags) == NamespaceFlags
            && Long(arg, "valueTwo") is 0);

    private static long? Long(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static string Show(JsonElement value) =>
        value.ValueKind == JsonValueKind.Undefined ? "missing" : value.GetRawText();
}
