using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

[TestClass]
public sealed class DoctorCommandTests
{
    [TestMethod]
    public async Task Doctor_passes_the_engine_runc_images_and_live_limit_checks_on_this_engine()
    {
        var outcome = await Support.Cli.RunAsync(Path.GetTempPath(), null, null, "doctor");

        var lines = outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] required =
        [
            "engine", "runtime runc", "engine exec",
            .. PolicyDefaults.BuiltIn.Values.Select(policy => "image " + policy.Image).Distinct(),
            "limit memory", "limit pids", "limit network",
        ];
        foreach (var check in required)
        {
            Assert.IsTrue(lines.Any(line => line.StartsWith($"PASS {check}: ", StringComparison.Ordinal)), $"no 'PASS {check}' line:\n{outcome}");
        }

        Assert.IsFalse(lines.Any(line => line.StartsWith("FAIL ", StringComparison.Ordinal)), outcome.ToString());
        Assert.AreEqual(0, outcome.ExitCode, outcome.ToString());
    }

    [TestMethod]
    public async Task Doctor_without_an_engine_fails_with_the_coded_reason()
    {
        var outcome = await Support.Cli.RunAsync(Path.GetTempPath(), new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent.sock" }, null, "doctor");

        Assert.AreNotEqual(0, outcome.ExitCode, outcome.ToString());
        var engine = outcome.Stdout.Split('\n').Single(line => line.Contains(" engine: ", StringComparison.Ordinal));
        StringAssert.StartsWith(engine, "FAIL engine: GBX1001: ");
        StringAssert.Contains(engine, "unix:///nonexistent.sock");
        Assert.IsFalse(outcome.Stdout.Contains("PASS ", StringComparison.Ordinal), outcome.ToString());
    }
}
