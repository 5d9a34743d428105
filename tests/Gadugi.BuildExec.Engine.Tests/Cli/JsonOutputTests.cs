using System.Text.Json;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>--json on policy check/show, images list, doctor and audit verify; plain columns when the output is not a wide terminal.</summary>
[TestClass]
public sealed class JsonOutputTests
{
    private string _workspace = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _workspace = Directory.CreateTempSubdirectory("gadugi-json-test-").FullName;
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1ED);
    }

    [TestCleanup]
    public void DeleteWorkspace() => Directory.Delete(_workspace, recursive: true);

    [TestMethod]
    public async Task Policy_check_json_gives_the_policies_or_every_located_problem()
    {
        var good = Path.Combine(_workspace, "good.yaml");
        File.WriteAllText(good, "policies:\n  py: { image: \"gadugi/python:3.11\", memory: \"256m\", timeout: \"90s\" }\n");
        var bad = Path.Combine(_workspace, "bad.yaml");
        File.WriteAllText(bad, "policies:\n  node:\n    image: \"gadugi/node:18\"\n    networks: bridge\n    memory: 12\n");

        var ok = await Support.Cli.RunAsync(_workspace, null, null, "policy", "check", good, "--json");
        var broken = await Support.Cli.RunAsync(_workspace, null, null, "policy", "check", bad, "--json");

        Assert.AreEqual(0, ok.ExitCode, ok.ToString());
        var valid = JsonDocument.Parse(ok.Stdout).RootElement;
        Assert.IsTrue(valid.GetProperty("valid").GetBoolean());
        var policy = valid.GetProperty("policies").EnumerateArray().Single();
        Assert.AreEqual("py", policy.GetProperty("name").GetString());
        Assert.AreEqual(256L * 1024 * 1024, policy.GetProperty("memory_bytes").GetInt64());
        Assert.AreEqual(90, policy.GetProperty("timeout_seconds").GetDouble());

        Assert.AreEqual(125, broken.ExitCode, broken.ToString());
        var invalid = JsonDocument.Parse(broken.Stdout).RootElement;
        Assert.IsFalse(invalid.GetProperty("valid").GetBoolean());
        var issues = invalid.GetProperty("issues").EnumerateArray().ToArray();
        Assert.HasCount(2, issues, broken.Stdout);
        var unknownKey = issues.Single(i => i.GetProperty("code").GetString() == "GBX2003");
        Assert.AreEqual(4, unknownKey.GetProperty("line").GetInt64());
        Assert.AreEqual(5, unknownKey.GetProperty("column").GetInt64());
        Assert.AreEqual(bad, unknownKey.GetProperty("file").GetString());
    }

    [TestMethod]
    public async Task Policy_show_on_a_pipe_is_plain_aligned_columns_and_json_on_request()
    {
        var text = await Support.Cli.RunAsync(_workspace, null, null, "policy", "show");
        var json = await Support.Cli.RunAsync(_workspace, null, null, "policy", "show", "--json");

        Assert.AreEqual(0, text.ExitCode, text.ToString());
        var lines = text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.IsFalse(text.Stdout.Contains('│', StringComparison.Ordinal) || text.Stdout.Contains('…', StringComparison.Ordinal), text.Stdout);
        StringAssert.StartsWith(lines[0], "policy  image");
        var imageColumn = lines[0].IndexOf("image", StringComparison.Ordinal);
        var memoryColumn = lines[0].IndexOf("memory", StringComparison.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            Assert.AreEqual(' ', line[imageColumn - 1], line);
            Assert.AreNotEqual(' ', line[memoryColumn], $"columns are aligned: {line}");
        }

        CollectionAssert.IsSubsetOf(new[] { "multi", "node", "python", "shell" }, lines.Skip(1).Select(line => line.Split(' ')[0]).ToArray());
        Assert.AreEqual(0, json.ExitCode, json.ToString());
        Assert.HasCount(lines.Length - 1, JsonDocument.Parse(json.Stdout).RootElement.GetProperty("policies").EnumerateArray().ToArray());
    }

    [TestMethod]
    public async Task Images_list_json_names_each_image_with_its_recipe_and_state()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, null, null, "images", "list", "--json");

        Assert.AreEqual(0, outcome.ExitCode, outcome.ToString());
        var images = JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("images").EnumerateArray().ToArray();
        var shell = images.First(i => i.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "gadugi/shell:5.2"));
        Assert.AreEqual("shell", shell.GetProperty("recipe").GetString());
        Assert.AreEqual("current", shell.GetProperty("state").GetString());
        Assert.IsGreaterThan(0L, shell.GetProperty("size_bytes").GetInt64());
    }

    [TestMethod]
    public async Task Doctor_json_without_an_engine_reports_the_failed_check()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent.sock" }, null, "doctor", "--json");

        Assert.AreNotEqual(0, outcome.ExitCode, outcome.ToString());
        var report = JsonDocument.Parse(outcome.Stdout).RootElement;
        Assert.IsFalse(report.GetProperty("passed").GetBoolean());
        var engine = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "engine");
        Assert.AreEqual("fail", engine.GetProperty("status").GetString());
        StringAssert.StartsWith(engine.GetProperty("detail").GetString(), "GBX1001: ");
    }

    [TestMethod]
    public async Task Audit_verify_json_gives_the_verdict_and_the_runs()
    {
        var audit = Path.Combine(_workspace, "audit.jsonl");
        Assert.AreEqual(0, (await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(audit), null, "run", "--", "true")).ExitCode);

        var intact = await Support.Cli.RunAsync(_workspace, null, null, "audit", "verify", audit, "--json");
        var lines = File.ReadAllLines(audit);
        File.WriteAllLines(audit, [lines[0].Replace("\"status\":\"started\"", "\"status\":\"startec\"", StringComparison.Ordinal), .. lines[1..]]);
        var tampered = await Support.Cli.RunAsync(_workspace, null, null, "audit", "verify", audit, "--json");

        Assert.AreEqual(0, intact.ExitCode, intact.ToString());
        var verdict = JsonDocument.Parse(intact.Stdout).RootElement;
        Assert.IsTrue(verdict.GetProperty("intact").GetBoolean());
        Assert.AreEqual(2, verdict.GetProperty("records").GetInt64());
        Assert.AreEqual(1, verdict.GetProperty("runs").GetProperty("finished").GetInt32());
        Assert.AreEqual(1, tampered.ExitCode, tampered.ToString());
        var broken = JsonDocument.Parse(tampered.Stdout).RootElement;
        Assert.IsFalse(broken.GetProperty("intact").GetBoolean());
        Assert.AreEqual(2, broken.GetProperty("broken_line").GetInt64(), "the second record no longer holds the hash of the altered first");
    }
}
