using System.Text.Json;
using System.Text.Json.Nodes;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Confinement;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Execution;

/// <summary>
/// A policy's seccomp profile is read as strictly as the engine could read it loosely: the engine
/// decodes like Go's encoding/json (names match ignoring case, the last duplicate wins, unknown
/// fields vanish), so any text the two could read differently is refused, and the engine is sent
/// the profile as written back from what was checked.
/// </summary>
[TestClass]
public sealed class SeccompProfileReadingTests
{
    private const string Ns = "2114060288"; // 0x7E020000, every CLONE_NEW* flag

    private static string Base(string extraRules = "", string extraFields = "") =>
        $"{{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}}{extraRules}]{extraFields}}}";

    private static string Normalize(string profile) => SeccompProfiles.Normalize(profile, "/policies/profile.json", "shell");

    private static GadugiException Refused(string profile) =>
        Assert.ThrowsExactly<GadugiException>(() => Normalize(profile));

    [TestMethod]
    [DataRow(",\"DefaultAction\":\"SCMP_ACT_ALLOW\"", "\"DefaultAction\"; write it exactly \"defaultAction\"")]
    [DataRow(",\"DEFAULTACTION\":\"SCMP_ACT_ALLOW\"", "\"DEFAULTACTION\"")]
    [DataRow(",\"Syscalls\":[{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\"}]", "\"Syscalls\"")]
    [DataRow(",\"defaultAction\":\"SCMP_ACT_ALLOW\"", "\"defaultAction\" twice")]
    [DataRow(",\"\\u0064efaultAction\":\"SCMP_ACT_ALLOW\"", "\"defaultAction\" twice")]
    [DataRow(",\"\u017Fyscalls\":[{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\"}]", "unknown field \"\u017Fyscalls\"")]
    [DataRow(",\"listenerPath\":\"/run/agent.sock\"", "unknown field \"listenerPath\"")]
    [DataRow(",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]", "unknown field \"flags\"")]
    public void A_profile_field_the_engine_would_read_differently_is_refused(string extraField, string reason)
    {
        var error = Refused(Base(extraFields: extraField));

        Assert.AreEqual("GBX3001", error.Code);
        StringAssert.Contains(error.Message, reason);
        StringAssert.Contains(error.Message, "/policies/profile.json");
    }

    [TestMethod]
    [DataRow("{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\",\"Action\":\"SCMP_ACT_ALLOW\"}", "\"Action\"")]
    [DataRow("{\"names\":[\"getpid\"],\"Names\":[\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\"}", "\"Names\"")]
    [DataRow("{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\",\"action\":\"SCMP_ACT_ALLOW\"}", "\"action\" twice")]
    [DataRow("{\"name\":\"getpid\",\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ALLOW\"}", "both \"name\" and \"names\"")]
    [DataRow("{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":" + Ns + ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\",\"Op\":\"SCMP_CMP_GE\"}]}", "\"Op\"")]
    [DataRow("{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2.114060288e9,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}", "value is 2.114060288e9, not a whole number")]
    [DataRow("{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":" + Ns + ".0,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}", "not a whole number")]
    [DataRow("{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":\"" + Ns + "\",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}", "not a whole number")]
    [DataRow("{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}", "value is -1")]
    [DataRow("{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}", "index is 6")]
    [DataRow("{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQUAL\"}]}", "op is \"SCMP_CMP_EQUAL\"")]
    [DataRow("{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":65537}", "errnoRet is 65537")]
    [DataRow("{\"names\":[\"getpid\"],\"action\":\"scmp_act_allow\"}", "action is \"scmp_act_allow\"")]
    [DataRow("{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"Caps\":[\"CAP_SYS_ADMIN\"]}}", "\"Caps\"")]
    [DataRow("{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}", "names no system call")]
    [DataRow("{\"names\":[null],\"action\":\"SCMP_ACT_ALLOW\"}", "names[0] is null")]
    public void A_rule_the_engine_would_read_differently_is_refused(string rule, string reason)
    {
        var error = Refused(Base("," + rule));

        Assert.AreEqual("GBX3001", error.Code);
        StringAssert.Contains(error.Message, "\"syscalls\"[1]");
        StringAssert.Contains(error.Message, reason);
    }

    [TestMethod]
    [DataRow("[{\"index\":0,\"value\":" + Ns + ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_GE\"}]", "the same argument twice: runc ORs them, and GE 0 is always true")]
    [DataRow("[{\"index\":0,\"value\":" + Ns + ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},{\"index\":1,\"value\":5,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_GE\"}]", "a repeated argument elsewhere makes every condition its own rule, and one without argument 0 allows any flags")]
    [DataRow("[{\"index\":0,\"value\":" + Ns + ",\"valueTwo\":0,\"op\":\"SCMP_CMP_NE\"}]", "not equal lets every other value through")]
    [DataRow("[{\"index\":0,\"value\":268435456,\"op\":\"SCMP_CMP_EQ\"}]", "equal to CLONE_NEWUSER")]
    [DataRow("[{\"index\":0,\"value\":131073,\"op\":\"SCMP_CMP_LT\"}]", "below 0x20001 includes CLONE_NEWNS")]
    [DataRow("[{\"index\":0,\"value\":131072,\"op\":\"SCMP_CMP_LE\"}]", "up to 0x20000 includes CLONE_NEWNS")]
    [DataRow("[{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]", "a condition on the stack pointer only")]
    public void Clone_conditions_are_judged_as_the_filter_runc_installs(string args, string why)
    {
        var error = Refused(Base($",{{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":{args}}}"));

        Assert.AreEqual("GBX3101", error.Code, why);
        StringAssert.Contains(error.Message, "'clone'", why);
    }

    [TestMethod]
    [DataRow("[{\"index\":0,\"value\":" + Ns + ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]")]
    [DataRow("[{\"index\":0,\"value\":" + Ns + ",\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},{\"index\":0,\"value\":4294967295,\"valueTwo\":256,\"op\":\"SCMP_CMP_MASKED_EQ\"}]")]
    [DataRow("[{\"index\":0,\"value\":256,\"op\":\"SCMP_CMP_EQ\"}]")]
    [DataRow("[{\"index\":0,\"value\":131072,\"op\":\"SCMP_CMP_LT\"}]")]
    public void Clone_conditions_that_keep_every_namespace_flag_clear_pass(string args) =>
        Assert.IsNull(SeccompConfinement.FindHole(SeccompProfileReader.Read(Base($",{{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":{args}}}"))));

    [TestMethod]
    [DataRow("socket", "[]", "unconditional")]
    [DataRow("socket", "[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]", "Docker's own rule: 0x1_0000_0028 is not 40 to the filter, but AF_VSOCK to the kernel")]
    [DataRow("socket", "[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]", "AF_VSOCK itself")]
    [DataRow("socket", "[{\"index\":0,\"value\":38,\"op\":\"SCMP_CMP_EQ\"}]", "AF_ALG")]
    [DataRow("socket", "[{\"index\":0,\"value\":4294967280,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]", "the low four bits are free")]
    [DataRow("socket", "[{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]", "two conditions on one argument are two rules")]
    [DataRow("personality", "[]", "ADDR_NO_RANDOMIZE")]
    [DataRow("personality", "[{\"index\":0,\"value\":262144,\"op\":\"SCMP_CMP_EQ\"}]", "ADDR_NO_RANDOMIZE itself")]
    [DataRow("personality", "[{\"index\":0,\"value\":4295229440,\"op\":\"SCMP_CMP_EQ\"}]", "the kernel reads the low 32 bits: 0x40000")]
    [DataRow("socketcall", "[]", "the 32-bit multiplexer hides the family in memory")]
    public void Calls_allowed_only_for_some_arguments_are_judged_the_same_way(string call, string args, string why)
    {
        var error = Refused(Base($",{{\"names\":[\"getpid\",\"{call}\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":{args}}}"));

        Assert.AreEqual("GBX3101", error.Code, why);
        StringAssert.Contains(error.Message, $"'{call}'", why);
    }

    [TestMethod]
    public void A_never_allowed_call_is_refused_whatever_its_spelling() =>
        Assert.AreEqual("GBX3101", Refused(Base(",{\"names\":[\"Unshare\"],\"action\":\"SCMP_ACT_LOG\"}")).Code);

    [TestMethod]
    public void Socket_rules_for_the_allowed_families_pass() =>
        Assert.IsNull(SeccompConfinement.FindHole(SeccompProfileReader.Read(Base(
            ",{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}"
            + ",{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":4294967295,\"valueTwo\":1,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}"))));

    [TestMethod]
    public void The_engine_is_sent_the_profile_as_read_back_not_the_files_text()
    {
        var text = "{\n  \"comment\": \"mine\",\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": 1,\n  \"syscalls\": [\n"
            + "    { \"comment\": \"one\", \"name\": \"getpid\", \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": { \"arches\": [\"s390x\"] } },\n"
            + "    { \"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{ \"index\": 0, \"value\": 2114060288, \"op\": \"SCMP_CMP_MASKED_EQ\" }] }\n  ]\n}\n";

        var sent = Normalize(text);

        Assert.AreEqual(
            "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"syscalls\":["
            + "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"arches\":[\"s390x\"]}},"
            + "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
            sent);
        Assert.AreEqual(sent, Normalize(sent), "what is sent reads back as itself");
    }

    [TestMethod]
    public void The_default_profile_reads_back_as_itself()
    {
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "src/Core/Execution/Confinement/Seccomp/gadugi-default.json")))!.AsObject();
        var sent = JsonNode.Parse(SeccompProfiles.Default)!.AsObject();

        Assert.AreEqual(SeccompProfiles.Default, Normalize(SeccompProfiles.Default));
        Assert.AreEqual(original["syscalls"]!.AsArray().Count, sent["syscalls"]!.AsArray().Count);
        Assert.AreEqual(
            original["syscalls"]!.AsArray().Sum(rule => rule!["names"]!.AsArray().Count),
            sent["syscalls"]!.AsArray().Sum(rule => rule!["names"]!.AsArray().Count));
        Assert.IsFalse(SeccompProfiles.Default.Contains("\"comment\"", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Policy_check_refuses_a_policy_whose_profile_reads_two_ways()
    {
        var directory = Directory.CreateTempSubdirectory("gadugi-seccomp-").FullName;
        try
        {
            var profile = JsonNode.Parse(SeccompProfiles.Default)!.AsObject();
            var text = profile.ToJsonString()[..^1] + ",\"DefaultAction\":\"SCMP_ACT_ALLOW\"}";
            File.WriteAllText(Path.Combine(directory, "profile.json"), text);
            var policies = Path.Combine(directory, "policies.yaml");
            File.WriteAllText(policies, "policies:\n  python:\n    seccomp: profile.json\n");

            var error = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.LoadFile(policies));

            var issue = error.Issues.Single();
            Assert.AreEqual("GBX3001", issue.Diagnostic.Code);
            Assert.AreEqual(3, issue.Line, "located at the seccomp key");
            Assert.AreEqual("policies.python.seccomp", issue.Field);
            StringAssert.Contains(issue.Diagnostic.Text, "\"DefaultAction\"");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gadugi.BuildExec.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
