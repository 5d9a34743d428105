using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

[TestClass]
public sealed class PolicyAndAuditCommandTests
{
    private string _workspace = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _workspace = Directory.CreateTempSubdirectory("gadugi-cli-test-").FullName;
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1ED);
    }

    [TestCleanup]
    public void DeleteWorkspace() => Directory.Delete(_workspace, recursive: true);

    [TestMethod]
    public async Task Policy_check_accepts_the_seed_shape_and_locates_errors()
    {
        var good = Path.Combine(_workspace, "good.yaml");
        File.WriteAllText(good, """
            policies:
              python: { image: "gadugi/python:3.11", memory: "512m", cpus: "1.0", network: "none", readonly: true, tmpfs: ["/tmp"] }
              node:   { image: "gadugi/node:18", memory: "256m", cpus: "0.5", network: "bridge", readonly: true, tmpfs: ["/tmp"] }
            """);
        var bad = Path.Combine(_workspace, "bad.yaml");
        File.WriteAllText(bad, "policies:\n  node:\n    image: \"gadugi/node:18\"\n    networks: bridge\n");

        var ok = await Support.Cli.RunAsync(_workspace, null, null, "policy", "check", good);
        var broken = await Support.Cli.RunAsync(_workspace, null, null, "policy", "check", bad);

        Assert.AreEqual(0, ok.ExitCode, ok.Stderr);
        StringAssert.Contains(ok.Stdout, "2 policies (node, python)");
        Assert.AreEqual(125, broken.ExitCode);
        StringAssert.Contains(broken.Stderr, $"{bad}(4,5): error GBX2003: policies.node: unknown key 'networks'.");
        StringAssert.Contains(broken.Stderr, "Did you mean 'network'?");
    }

    [TestMethod]
    public async Task Audit_verify_passes_a_real_log_and_fails_a_tampered_one()
    {
        var audit = Path.Combine(_workspace, "audit.jsonl");
        foreach (var word in new[] { "one", "two", "three" })
        {
            Assert.AreEqual(0, (await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(audit), null, "run", "--", "echo", word)).ExitCode);
        }

        var intact = await Support.Cli.RunAsync(_workspace, null, null, "audit", "verify", audit);
        var lines = File.ReadAllLines(audit);
        lines[1] = lines[1].Replace("\"exit_code\":0", "\"exit_code\":1", StringComparison.Ordinal);
        File.WriteAllLines(audit, lines);
        var tampered = await Support.Cli.RunAsync(_workspace, null, null, "audit", "verify", audit);

        Assert.AreEqual(0, intact.ExitCode, intact.Stderr);
        StringAssert.Contains(intact.Stdout, "OK: 6 record(s), chain intact");
        StringAssert.Contains(intact.Stdout, "runs: 3 started, 3 finished, 0 abandoned, 0 open");
        Assert.AreEqual(1, tampered.ExitCode);
        StringAssert.Contains(tampered.Stderr, "BROKEN at line 3");
        StringAssert.Contains(tampered.Stderr, "line 2 was changed");
    }
}
