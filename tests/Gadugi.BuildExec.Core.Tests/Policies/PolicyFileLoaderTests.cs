using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Policies;

[TestClass]
public sealed class PolicyFileLoaderTests
{
    private const string SeedShape = """
        policies:
          python: { image: "gadugi/python:3.11", memory: "512m", cpus: "1.0", network: "none", readonly: true, tmpfs: ["/tmp"] }
          node:   { image: "gadugi/node:18", memory: "256m", cpus: "0.5", network: "bridge", readonly: true, tmpfs: ["/tmp"] }
        """;

    [TestMethod]
    public void Seed_shape_loads_as_written()
    {
        var set = PolicyFileLoader.Parse(SeedShape, "seed.yaml");

        var python = set.Resolve("python");
        Assert.AreEqual("gadugi/python:3.11", python.Image);
        Assert.AreEqual(512L * 1024 * 1024, python.MemoryBytes);
        Assert.AreEqual(1.0m, python.Cpus);
        Assert.AreEqual(NetworkMode.None, python.Network.Mode);
        CollectionAssert.AreEqual(new[] { "/tmp" }, python.Tmpfs.ToArray());
        Assert.AreEqual("seed.yaml", python.Source);

        var node = set.Resolve("node");
        Assert.AreEqual(256L * 1024 * 1024, node.MemoryBytes);
        Assert.AreEqual(0.5m, node.Cpus);
        Assert.AreEqual(NetworkMode.Bridge, node.Network.Mode);
    }

    [TestMethod]
    public void Unspecified_fields_take_the_product_defaults()
    {
        var policy = PolicyFileLoader.Parse("policies:\n  tiny: { image: \"busybox\" }\n", "p.yaml").Resolve("tiny");

        Assert.AreEqual(PolicyDefaults.MemoryBytes, policy.MemoryBytes);
        Assert.AreEqual(1.0m, policy.Cpus);
        Assert.AreEqual(1024L * 1024 * 1024, policy.DiskBytes);
        Assert.AreEqual(NetworkMode.None, policy.Network.Mode);
        Assert.AreEqual(TimeSpan.FromMinutes(30), policy.Timeout);
        Assert.AreEqual(FallbackMode.None, policy.Fallback);
        Assert.AreEqual(SandboxRuntime.Runc, policy.Runtime);
        Assert.AreEqual(WorkspaceAccess.ReadOnly, policy.Workspace);
        Assert.AreEqual(1024L * 1024 * 1024, policy.InputLimitBytes);
    }

    [TestMethod]
    public void A_policy_named_like_a_built_in_inherits_its_image()
    {
        var policy = PolicyFileLoader.Parse("policies:\n  python: { memory: \"1g\" }\n", "p.yaml").Resolve("python");

        Assert.AreEqual("gadugi/python:3.11", policy.Image);
        Assert.AreEqual(1024L * 1024 * 1024, policy.MemoryBytes);
    }

    [TestMethod]
    public void Every_user_field_is_read()
    {
        var yaml = """
            policies:
              full:
                image: "gadugi/multi:py3.11-node18"
                memory: "1.5g"
                cpus: 2
                network: { allow: ["10.20.0.5:8080", "pypi-mirror.internal:443", "192.168.50.0/24"] }
                readonly: true
                tmpfs: ["/tmp", "/var/cache/app"]
                pids: 128
                disk: "256m"
                open_files: 4096
                timeout: "90s"
                output_limit: "2m"
                capture_limit: "64k"
                input_limit: "300m"
                env: [CI, NUGET_PACKAGES]
                runtime: gvisor
                fallback: shell
                workspace: rw
            """;

        var policy = PolicyFileLoader.Parse(yaml, "full.yaml").Resolve("full");

        Assert.AreEqual(1536L * 1024 * 1024, policy.MemoryBytes);
        Assert.AreEqual(2m, policy.Cpus);
        Assert.AreEqual(NetworkMode.Allowlist, policy.Network.Mode);
        Assert.AreEqual("10.20.0.5:8080, pypi-mirror.internal:443, 192.168.50.0/24", string.Join(", ", policy.Network.Allow));
        CollectionAssert.AreEqual(new[] { "/tmp", "/var/cache/app" }, policy.Tmpfs.ToArray());
        Assert.AreEqual(128, policy.PidsLimit);
        Assert.AreEqual(256L * 1024 * 1024, policy.DiskBytes);
        Assert.AreEqual(4096, policy.OpenFiles);
        Assert.AreEqual(TimeSpan.FromSeconds(90), policy.Timeout);
        Assert.AreEqual(2L * 1024 * 1024, policy.OutputLimitBytes);
        Assert.AreEqual(64L * 1024, policy.CaptureLimitBytes);
        Assert.AreEqual(300L * 1024 * 1024, policy.InputLimitBytes);
        CollectionAssert.AreEqual(new[] { "CI", "NUGET_PACKAGES" }, policy.EnvAllowlist.ToArray());
        Assert.AreEqual(SandboxRuntime.Gvisor, policy.Runtime);
        Assert.AreEqual(FallbackMode.Shell, policy.Fallback);
        Assert.AreEqual(WorkspaceAccess.ReadWrite, policy.Workspace);
    }

    [TestMethod]
    public void Protect_adds_workspace_paths_and_refuses_absolute_or_dotdot_ones()
    {
        var policy = PolicyFileLoader.Parse("policies:\n  agent: { image: \"busybox\", workspace: rw, protect: [\".vscode\", \"tools//hooks/\"] }\n", "p.yaml").Resolve("agent");

        CollectionAssert.AreEqual(new[] { ".vscode", "tools/hooks" }, policy.Protect.ToArray());
        Assert.IsEmpty(PolicyFileLoader.Parse("policies:\n  agent: { image: \"busybox\", protect: [] }\n", "p.yaml").Resolve("agent").Protect, "an empty list adds nothing; the built-in list still applies");

        var error = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse("policies:\n  agent: { image: \"busybox\", protect: [\"/etc\", \"../up\", \".\"] }\n", "p.yaml"));

        Assert.HasCount(3, error.Issues);
        Assert.IsTrue(error.Issues.All(issue => issue.Field == "policies.agent.protect"), string.Join("; ", error.Issues));
    }

    [TestMethod]
    public void Bad_unit_is_located_and_says_what_is_allowed()
    {
        var yaml = "policies:\n  python: { image: \"gadugi/python:3.11\", memory: \"512x\" }\n";

        var error = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse(yaml, "/repo/policies.yaml"));

        var issue = error.Issues.Single();
        Assert.AreEqual("/repo/policies.yaml", issue.File);
        Assert.AreEqual(2, issue.Line);
        Assert.AreEqual(50, issue.Column);
        Assert.AreEqual("policies.python.memory", issue.Field);
        Assert.AreEqual("GBX2004", issue.Diagnostic.Code);
        StringAssert.Contains(issue.Diagnostic.Text, "'512x'");
        StringAssert.Contains(issue.Diagnostic.Text, "unit b, k, m or g");
        StringAssert.StartsWith(issue.ToString(), "/repo/policies.yaml(2,50): error GBX2004: policies.python.memory:");
        Assert.AreEqual("GBX2010", error.Code);
    }

    [TestMethod]
    public void Unknown_key_is_reported_with_a_suggestion()
    {
        var yaml = "policies:\n  shell:\n    image: \"gadugi/shell:5.2\"\n    memroy: \"1g\"\n";

        var issue = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse(yaml, "p.yaml")).Issues.Single();

        Assert.AreEqual("GBX2003", issue.Diagnostic.Code);
        Assert.AreEqual(4, issue.Line);
        Assert.AreEqual(5, issue.Column);
        StringAssert.Contains(issue.Diagnostic.Text, "unknown key 'memroy'");
        StringAssert.Contains(issue.Diagnostic.Text, "Did you mean 'memory'?");
    }

    [TestMethod]
    public void All_problems_are_reported_at_once()
    {
        var yaml = """
            policies:
              a: { image: "x", cpus: "0", timeout: "30 minutes", pids: -1 }
              b: { memory: "1g" }
            """;

        var error = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse(yaml, "p.yaml"));

        CollectionAssert.AreEquivalent(
            new[] { "policies.a.cpus", "policies.a.timeout", "policies.a.pids", "policies.b.image" },
            error.Issues.Select(i => i.Field).ToArray());
        StringAssert.Contains(error.Message, "4 problem(s)");
    }

    [TestMethod]
    public void Hardening_cannot_be_switched_off()
    {
        var yaml = "policies:\n  loose: { image: \"x\", readonly: false }\n";

        var issue = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse(yaml, "p.yaml")).Issues.Single();

        Assert.AreEqual("GBX2005", issue.Diagnostic.Code);
        StringAssert.Contains(issue.Diagnostic.Text, "always read-only");
    }

    [TestMethod]
    public void Broken_yaml_reports_the_syntax_position()
    {
        var yaml = "policies:\n  python: { image: \"gadugi/python:3.11\", memory: 512m\n";

        var issue = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse(yaml, "p.yaml")).Issues.Single();

        Assert.AreEqual("GBX2002", issue.Diagnostic.Code);
        Assert.IsGreaterThanOrEqualTo(2L, issue.Line);
    }

    [TestMethod]
    public void Wrong_shape_is_explained()
    {
        var issue = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse("policies:\n  - python\n", "p.yaml")).Issues.Single();

        Assert.AreEqual("GBX2007", issue.Diagnostic.Code);
        StringAssert.Contains(issue.Diagnostic.Text, "a mapping of policy names");
    }

    [TestMethod]
    [DataRow("/etc", "on or under /etc")]
    [DataRow("/sys/fs/cgroup", "on or under /sys")]
    [DataRow("/sys/fs/cgroup/memory", "on or under /sys")]
    [DataRow("/proc/sys", "on or under /proc")]
    [DataRow("/dev/shm", "on or under /dev")]
    [DataRow("/output/sub", "on or under /output")]
    [DataRow("/workspace/.git", "on or under /workspace")]
    [DataRow("/input/x", "on or under /input")]
    [DataRow("/etc/ssl", "on or under /etc")]
    [DataRow("/usr/lib/x86_64-linux-gnu", "on or under /usr")]
    [DataRow("/lib64", "on or under /lib64")]
    [DataRow("//sys//fs/cgroup/", "on or under /sys")]
    [DataRow("/./proc/", "on or under /proc")]
    [DataRow("/", "the root file system")]
    [DataRow("//", "the root file system")]
    [DataRow("/tmp/../etc", "a path with '..'")]
    [DataRow("relative", "not an absolute path")]
    public void Tmpfs_on_under_or_above_a_reserved_path_is_refused(string path, string why)
    {
        var issue = Assert.ThrowsExactly<PolicyFileException>(() => PolicyFileLoader.Parse($"policies:\n  a: {{ image: \"x\", tmpfs: [\"{path}\"] }}\n", "p.yaml")).Issues.Single();

        Assert.AreEqual("policies.a.tmpfs", issue.Field);
        Assert.AreEqual("GBX2004", issue.Diagnostic.Code);
        StringAssert.Contains(issue.Diagnostic.Text, $"'{path}'");
        StringAssert.Contains(issue.Diagnostic.Text, why);
    }

    [TestMethod]
    public void Tmpfs_paths_elsewhere_are_kept_normalised()
    {
        var policy = PolicyFileLoader.Parse("policies:\n  a: { image: \"x\", tmpfs: [\"/var//cache/app/\", \"/opt/./tools\", \"/system\", \"/tmp\"] }\n", "p.yaml").Resolve("a");

        CollectionAssert.AreEqual(new[] { "/tmp", "/var/cache/app", "/opt/tools", "/system" }, policy.Tmpfs.ToArray());
    }

    [TestMethod]
    public void Missing_file_names_the_path_and_the_fix()
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => PolicyFileLoader.LoadFile("/nonexistent/policies.yaml"));

        Assert.AreEqual("GBX2001", error.Code);
        StringAssert.Contains(error.Message, "/nonexistent/policies.yaml");
        StringAssert.Contains(error.Message, "--policy-file");
    }

    [TestMethod]
    public void Unknown_policy_lists_the_known_ones()
    {
        var set = PolicyFileLoader.Parse(SeedShape, "seed.yaml");

        var error = Assert.ThrowsExactly<GadugiException>(() => set.Resolve("pyhton"));

        Assert.AreEqual("GBX2008", error.Code);
        StringAssert.Contains(error.Message, "multi, node, python, shell");
    }
}
