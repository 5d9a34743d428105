using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Engine.Tests.Images;

[TestClass]
public sealed class SmokeTesterTests
{
    private static ImageRecipe ShellWithSmokeTest(string smokeTest)
    {
        using var scratch = ScratchRecipes.Create("shell");
        scratch.Edit("shell", yaml => yaml[..yaml.IndexOf("smokeTest:", StringComparison.Ordinal)] + smokeTest);
        return scratch.Load().Get("shell");
    }

    /// <summary>Smoke-test containers of the shared shell image: only this class starts those.</summary>
    private static async Task<int> SmokeContainersAsync() =>
        (await (await RuntimeImages.EngineAsync()).Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ImageLabels.SmokeTest}=shell"] = true },
                ["ancestor"] = new Dictionary<string, bool> { [await RuntimeImages.ImageIdAsync("shell")] = true },
            },
        })).Count;

    [TestMethod]
    public async Task A_passing_smoke_test_runs_hardened_as_the_sandbox_user()
    {
        var recipe = ShellWithSmokeTest("smokeTest:\n  command: [sh, -c, \"id -u; touch /etc/x 2>/dev/null || echo read-only\"]\n  expect: \"^10001\\nread-only$\"\n");

        await new SmokeTester((await RuntimeImages.EngineAsync()).Client).RunAsync(recipe, await RuntimeImages.ImageIdAsync("shell"), CancellationToken.None);
    }

    [TestMethod]
    public async Task A_failing_command_is_reported_with_its_exit_code_and_output()
    {
        var recipe = ShellWithSmokeTest("smokeTest:\n  command: [sh, -c, \"echo broken >&2; exit 3\"]\n");

        var image = await RuntimeImages.ImageIdAsync("shell");
        var engine = await RuntimeImages.EngineAsync();

        var error = await Assert.ThrowsAsync<GadugiException>(() =>
            new SmokeTester(engine.Client).RunAsync(recipe, image, CancellationToken.None));

        Assert.AreEqual("GBX1114", error.Code);
        StringAssert.Contains(error.Message, "exited with code 3");
        StringAssert.Contains(error.Message, "broken");
    }

    [TestMethod]
    public async Task Unexpected_output_is_reported_with_the_pattern()
    {
        var before = await SmokeContainersAsync();
        var recipe = ShellWithSmokeTest("smokeTest:\n  command: [bash, --version]\n  expect: \"^version 4\"\n");

        var image = await RuntimeImages.ImageIdAsync("shell");
        var engine = await RuntimeImages.EngineAsync();

        var error = await Assert.ThrowsAsync<GadugiException>(() =>
            new SmokeTester(engine.Client).RunAsync(recipe, image, CancellationToken.None));

        Assert.AreEqual("GBX1115", error.Code);
        StringAssert.Contains(error.Message, "GNU bash, version 5.2");
        StringAssert.Contains(error.Message, "^version 4");
        Assert.AreEqual(before, await SmokeContainersAsync(), "the smoke container must be removed");
    }

    [TestMethod]
    public async Task A_hanging_smoke_test_times_out()
    {
        var recipe = ShellWithSmokeTest("smokeTest:\n  command: [sleep, \"600\"]\n");

        var image = await RuntimeImages.ImageIdAsync("shell");
        var engine = await RuntimeImages.EngineAsync();

        var error = await Assert.ThrowsAsync<GadugiException>(() =>
            new SmokeTester(engine.Client) { Timeout = TimeSpan.FromSeconds(2) }.RunAsync(recipe, image, CancellationToken.None));

        Assert.AreEqual("GBX1116", error.Code);
    }
}
