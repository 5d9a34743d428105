using System.Text.Json;
using System.Text.Json.Nodes;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;
using Gadugi.BuildExec.Core.Execution.Confinement;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// A policy may point at another seccomp profile, but not switch the filter off: a profile that
/// lets unnamed calls run is refused before anything is created, and a stricter one is enforced.
/// Under runc only: gVisor does not install OCI profiles inside its kernel (docs/security.md).
/// </summary>
[TestClass]
public sealed class SeccompPolicyAttacks
{
    private const string MkdirProbe = "import os, json\ntry:\n    os.mkdir('/tmp/probe-dir')\n    print(json.dumps({'made': True, 'errno': None}))\nexcept OSError as e:\n    print(json.dumps({'made': False, 'errno': e.errno}))\n";

    private static async Task<JsonElement> MkdirAsync(Attack attack, SandboxPolicy policy)
    {
        var result = await attack.PythonAsync(MkdirProbe, policy);
        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        return JsonDocument.Parse(result.Stdout.Text).RootElement.Clone();
    }

    [TestMethod]
    public async Task A_stricter_policy_profile_is_enforced_and_the_default_profile_allows_the_same_call()
    {
        await using var attack = new Attack(SandboxRuntime.Runc);
        var profile = JsonNode.Parse(SeccompProfiles.Default)!;
        foreach (var rule in profile["syscalls"]!.AsArray())
        {
            var names = rule!["names"]!.AsArray();
            foreach (var name in names.Where(n => n!.GetValue<string>() is "mkdir" or "mkdirat").ToArray())
            {
                names.Remove(name);
            }
        }

        var file = Path.Combine(attack.Root, "no-mkdir.json");
        await File.WriteAllTextAsync(file, profile.ToJsonString());

        var allowed = await MkdirAsync(attack, attack.Policy());
        var denied = await MkdirAsync(attack, attack.Policy() with { SeccompProfile = file });

        Assert.IsTrue(allowed.GetProperty("made").GetBoolean(), "the built-in profile allows mkdir, so the custom one is what denies it: " + allowed);
        Assert.IsFalse(denied.GetProperty("made").GetBoolean(), "the policy's profile was not applied: " + denied);
        Assert.AreEqual(EPERM, denied.GetProperty("errno").GetInt32(), denied.ToString());
    }

    [TestMethod]
    [DataRow("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "\"defaultAction\"")]
    [DataRow("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"unshare\",\"mount\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", "'unshare'")]
    public async Task A_policy_profile_that_switches_the_filter_off_is_refused_before_the_run(string profile, string named)
    {
        await using var attack = new Attack(SandboxRuntime.Runc);
        attack.WritableWorkspace();
        var file = Path.Combine(attack.Root, "permissive.json");
        await File.WriteAllTextAsync(file, profile);
        var marker = Path.Combine(attack.Workspace, "ran");

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.BashAsync("touch /workspace/ran", attack.Policy("shell") with { SeccompProfile = file, Workspace = WorkspaceAccess.ReadWrite }));

        Assert.AreEqual("GBX3101", error.Code);
        StringAssert.Contains(error.Message, file);
        StringAssert.Contains(error.Message, named);
        Assert.IsFalse(File.Exists(marker), "nothing may run under a profile that does not confine");
    }

    private const string NamespaceMask = "2114060288";

    /// <summary>
    /// The built-in profile with one more field or rule that the engine (which decodes like Go's
    /// encoding/json: names ignoring case, the last duplicate wins) and a case-sensitive check would
    /// read differently, or a rule runc turns into ORed filters. Each switched the filter off on a
    /// checker that judged the text rather than what the engine applies.
    /// </summary>
    [TestMethod]
    [DataRow(",\"DefaultAction\":\"SCMP_ACT_ALLOW\"", "GBX3001", "\"DefaultAction\"")]
    [DataRow(",\"defaultAction\":\"SCMP_ACT_ALLOW\"", "GBX3001", "\"defaultAction\" twice")]
    [DataRow(",\"Syscalls\":[{\"names\":[\"io_uring_setup\",\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\"}]", "GBX3001", "\"Syscalls\"")]
    [DataRow("RULE{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\",\"Names\":[\"io_uring_setup\"],\"Action\":\"SCMP_ACT_ALLOW\"}", "GBX3001", "\"Names\"")]
    [DataRow("RULE{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":" + NamespaceMask + ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_GE\"}]}", "GBX3101", "'clone'")]
    [DataRow("RULE{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]}", "GBX3101", "'socket'")]
    public async Task A_profile_the_engine_would_read_as_switched_off_is_refused_before_the_run(string addition, string code, string named)
    {
        await using var attack = new Attack(SandboxRuntime.Runc);
        attack.WritableWorkspace();
        var file = Path.Combine(attack.Root, "two-faced.json");
        var profile = SeccompProfiles.Default;
        profile = addition.StartsWith("RULE", StringComparison.Ordinal)
            ? profile.Replace("\"syscalls\":[", "\"syscalls\":[" + addition[4..] + ",", StringComparison.Ordinal)
            : profile[..^1] + addition + "}";
        await File.WriteAllTextAsync(file, profile);
        var marker = Path.Combine(attack.Workspace, "ran");

        // The command would prove the filter gone: io_uring_setup returns a ring, clone makes a user namespace.
        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.PythonAsync(
            "import ctypes; libc = ctypes.CDLL(None); open('/workspace/ran', 'w').write(str(libc.syscall(425, 4, ctypes.create_string_buffer(120))))",
            attack.Policy() with { SeccompProfile = file, Workspace = WorkspaceAccess.ReadWrite }));

        Assert.AreEqual(code, error.Code, error.Message);
        StringAssert.Contains(error.Message, file);
        StringAssert.Contains(error.Message, named);
        Assert.IsFalse(File.Exists(marker), "nothing may run under a profile the engine would read as another: " + (File.Exists(marker) ? File.ReadAllText(marker) : string.Empty));
    }
}
