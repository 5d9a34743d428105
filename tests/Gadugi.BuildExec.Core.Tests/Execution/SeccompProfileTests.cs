using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class SeccompProfileTests
{
    /// <summary>The deny list of docs/security.md: none of these may be allowed by any rule.</summary>
    public static readonly string[] Denied =
    [
        "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "perf_event_open", "bpf",
        "keyctl", "add_key", "request_key", "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot",
        "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise",
        "kexec_load", "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module",
        "open_by_handle_at", "name_to_handle_at", "acct", "swapon", "swapoff", "syslog", "quotactl",
        "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
        "uselib", "vm86", "modify_ldt", "mbind", "set_mempolicy", "migrate_pages", "move_pages",
        "fanotify_init", "memfd_secret", "landlock_create_ruleset", "lookup_dcookie", "vhangup", "nfsservctl",
    ];

    private static JsonElement Profile() => JsonDocument.Parse(SeccompProfiles.Default).RootElement;

    private static IEnumerable<(string Name, JsonElement Rule)> Rules() =>
        Profile().GetProperty("syscalls").EnumerateArray()
            .SelectMany(rule => rule.GetProperty("names").EnumerateArray().Select(name => (name.GetString()!, rule)));

    [TestMethod]
    public void Default_profile_is_an_allowlist_failing_with_eperm()
    {
        var profile = Profile();

        Assert.AreEqual("SCMP_ACT_ERRNO", profile.GetProperty("defaultAction").GetString());
        Assert.AreEqual(1, profile.GetProperty("defaultErrnoRet").GetInt32());
        Assert.IsFalse(SeccompProfiles.Default.Contains('\n', StringComparison.Ordinal), "sent compact inside the create request");
    }

    [TestMethod]
    public void No_rule_allows_a_denied_call()
    {
        var allowed = Rules().Where(r => r.Rule.GetProperty("action").GetString() == "SCMP_ACT_ALLOW").Select(r => r.Name).ToHashSet();

        var leaks = Denied.Where(allowed.Contains).ToArray();

        Assert.IsEmpty(leaks, "allowed although denied: " + string.Join(", ", leaks));
    }

    [TestMethod]
    public void Clone_is_allowed_only_without_namespace_flags_and_clone3_says_enosys()
    {
        var clone = Rules().Single(r => r.Name == "clone").Rule;
        var argument = clone.GetProperty("args").EnumerateArray().Single();
        var clone3 = Rules().Single(r => r.Name == "clone3").Rule;

        Assert.AreEqual("SCMP_CMP_MASKED_EQ", argument.GetProperty("op").GetString());
        Assert.AreEqual(0x7E020000L, argument.GetProperty("value").GetInt64(), "CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET");
        Assert.AreEqual(0L, argument.GetProperty("valueTwo").GetInt64());
        Assert.AreEqual("SCMP_ACT_ERRNO", clone3.GetProperty("action").GetString());
        Assert.AreEqual(38, clone3.GetProperty("errnoRet").GetInt32());
    }

    [TestMethod]
    public void Personality_is_allowed_only_for_standard_values()
    {
        var values = Rules().Where(r => r.Name == "personality")
            .Select(r => r.Rule.GetProperty("args").EnumerateArray().Single().GetProperty("value").GetInt64())
            .Order()
            .ToArray();

        CollectionAssert.AreEqual(new[] { 0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL }, values, "ADDR_NO_RANDOMIZE (0x40000) and READ_IMPLIES_EXEC must not be settable");
    }

    [TestMethod]
    public void Every_execution_gets_the_default_profile_unless_the_policy_names_one()
    {
        var json = SeccompProfiles.LoadAsync(PolicyDefaults.BuiltIn["shell"], CancellationToken.None).GetAwaiter().GetResult();

        Assert.AreEqual(SeccompProfiles.Default, json);
    }

    [TestMethod]
    public async Task A_policy_profile_that_is_not_a_profile_is_a_coded_error()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "{ \"not\": \"a profile\" }");

            var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => SeccompProfiles.LoadAsync(PolicyDefaults.BuiltIn["shell"] with { SeccompProfile = file }, CancellationToken.None));

            Assert.AreEqual("GBX3001", error.Code);
            StringAssert.Contains(error.Message, file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
