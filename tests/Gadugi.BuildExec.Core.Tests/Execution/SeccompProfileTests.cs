using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Execution.Confinement;

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
        "socketcall",
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
    public void Socket_is_allowed_only_for_unix_inet_inet6_and_netlink_each_by_exact_comparison()
    {
        var rules = Rules().Where(r => r.Name == "socket").Select(r => r.Rule).ToArray();

        foreach (var rule in rules)
        {
            var argument = rule.GetProperty("args").EnumerateArray().Single();
            Assert.AreEqual("SCMP_CMP_EQ", argument.GetProperty("op").GetString(), "all 64 bits compared: high bits cannot smuggle in AF_VSOCK (40)");
            Assert.AreEqual(0, argument.GetProperty("index").GetInt32());
        }

        CollectionAssert.AreEquivalent(new[] { 1L, 2L, 10L, 16L }, rules.Select(r => r.GetProperty("args")[0].GetProperty("value").GetInt64()).ToArray(), "AF_UNIX, AF_INET, AF_INET6, AF_NETLINK");
        Assert.IsFalse(Rules().Any(r => r.Name == "socketcall"), "the 32-bit multiplexer would bypass the family rules");
    }

    [TestMethod]
    public void Only_the_native_64_bit_system_calls_are_covered()
    {
        var architectures = Profile().GetProperty("archMap").EnumerateArray().ToArray();

        Assert.IsTrue(architectures.All(a => a.GetProperty("subArchitectures").GetArrayLength() == 0), "no 32-bit compat ABI: " + Profile().GetProperty("archMap"));
        Assert.IsFalse(Profile().TryGetProperty("architectures", out _));
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

    private static async Task<GadugiException> RejectedAsync(string profileJson)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, profileJson);
            var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => SeccompProfiles.LoadAsync(PolicyDefaults.BuiltIn["shell"] with { SeccompProfile = file }, CancellationToken.None));
            StringAssert.Contains(error.Message, file, "the message names the file");
            return error;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string WithRule(string action, string names, string args = "[]") =>
        $"{{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}},{{\"names\":{names},\"action\":\"{action}\",\"args\":{args}}}]}}";

    [TestMethod]
    public void The_default_profile_confines() =>
        Assert.IsNull(SeccompConfinement.FindHole(SeccompProfileReader.Read(SeccompProfiles.Default)));

    [TestMethod]
    public void The_never_allowed_calls_are_all_in_the_documented_deny_list()
    {
        var undocumented = SeccompConfinement.NeverAllowed.Where(name => !Denied.Contains(name) && name is not "clone3" and not "create_module").ToArray();

        Assert.IsEmpty(undocumented, string.Join(", ", undocumented));
    }

    [TestMethod]
    [DataRow("SCMP_ACT_ALLOW")]
    [DataRow("SCMP_ACT_LOG")]
    [DataRow("SCMP_ACT_TRACE")]
    [DataRow("SCMP_ACT_NOTIFY")]
    public async Task A_policy_profile_whose_default_lets_calls_run_is_refused(string defaultAction)
    {
        var error = await RejectedAsync($"{{\"defaultAction\":\"{defaultAction}\"}}");

        Assert.AreEqual("GBX3101", error.Code);
        StringAssert.Contains(error.Message, "\"defaultAction\"");
        StringAssert.Contains(error.Message, defaultAction);
    }

    [TestMethod]
    [DataRow("0", "is 0, not one of")]
    [DataRow("\"\"", "is \"\", not one of")]
    [DataRow("\"SCMP_ACT_ERRNO \"", "is \"SCMP_ACT_ERRNO \", not one of")]
    [DataRow("null", "is null, not one of")]
    public async Task A_policy_profile_whose_default_action_the_engine_cannot_read_is_refused(string value, string reason)
    {
        var error = await RejectedAsync($"{{\"defaultAction\":{value}}}");

        Assert.AreEqual("GBX3001", error.Code);
        StringAssert.Contains(error.Message, "\"defaultAction\" " + reason);
    }

    [TestMethod]
    public async Task A_policy_profile_may_not_allow_any_never_allowed_call()
    {
        foreach (var name in SeccompConfinement.NeverAllowed)
        {
            foreach (var action in new[] { "SCMP_ACT_ALLOW", "SCMP_ACT_LOG" })
            {
                var error = await RejectedAsync(WithRule(action, $"[\"getpid\",\"{name}\"]"));

                Assert.AreEqual("GBX3101", error.Code, name);
                StringAssert.Contains(error.Message, $"'{name}'", "the message names the call");
                StringAssert.Contains(error.Message, "\"syscalls\"[1]", "the message names the rule");
            }
        }
    }

    [TestMethod]
    public async Task The_older_single_name_form_is_checked_too()
    {
        var error = await RejectedAsync("{\"defaultAction\":\"SCMP_ACT_KILL\",\"syscalls\":[{\"name\":\"bpf\",\"action\":\"SCMP_ACT_ALLOW\"}]}");

        Assert.AreEqual("GBX3101", error.Code);
        StringAssert.Contains(error.Message, "'bpf'");
    }

    [TestMethod]
    public async Task Clone_may_be_allowed_only_with_every_namespace_flag_tested_zero()
    {
        var unconditional = await RejectedAsync(WithRule("SCMP_ACT_ALLOW", "[\"clone\"]"));
        var partialMask = await RejectedAsync(WithRule("SCMP_ACT_ALLOW", "[\"clone\"]", "[{\"index\":0,\"value\":131072,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]"));

        Assert.AreEqual("GBX3101", unconditional.Code);
        StringAssert.Contains(unconditional.Message, "'clone'");
        Assert.AreEqual("GBX3101", partialMask.Code);
        Assert.IsNull(SeccompConfinement.FindHole(SeccompProfileReader.Read(WithRule("SCMP_ACT_ALLOW", "[\"clone\"]", "[{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]"))));
    }

    [TestMethod]
    public async Task Denying_a_never_allowed_call_explicitly_is_fine_and_a_stricter_profile_loads_as_written_back()
    {
        var stricter = WithRule("SCMP_ACT_ERRNO", "[\"bpf\",\"mkdir\",\"mkdirat\"]");
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, stricter);

            var json = await SeccompProfiles.LoadAsync(PolicyDefaults.BuiltIn["shell"] with { SeccompProfile = file }, CancellationToken.None);

            Assert.AreEqual("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"bpf\",\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}", json);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
