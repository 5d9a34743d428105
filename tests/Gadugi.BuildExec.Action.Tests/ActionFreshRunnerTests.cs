using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>
/// 'uses:' with only 'run:' on a fresh runner: a private second dockerd (eng/private-engine.sh) that
/// holds the action image and nothing else — none of the gadugi images — runs the action the
/// runner's way with its own socket mounted.
/// </summary>
public sealed partial class ActionContainerTests
{
    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task With_only_run_the_action_works_on_an_engine_that_has_none_of_the_gadugi_images()
    {
        var directory = Directory.CreateDirectory(Path.Combine("/var/tmp", "gadugi-pe-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var script = RepoFiles.Path("eng/private-engine.sh");
        var started = await ChildProcess.RunAsync("bash", [script, "start", directory, ActionImage.Tag], new ChildProcessOptions { RemoveEnvironment = ["DOCKER_HOST"], Timeout = TimeSpan.FromMinutes(5) }, TestContext.CancellationToken);
        try
        {
            Assert.AreEqual(0, started.ExitCode, started.ToString());
            var socket = Path.Combine(directory, "docker.sock");
            var images = await DockerCli.RunAsync(["-H", "unix://" + socket, "images", "--format", "{{.Repository}}:{{.Tag}}"], TimeSpan.FromSeconds(30));
            var present = images.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            CollectionAssert.Contains(present, ActionImage.Tag);
            Assert.IsFalse(present.Any(image => image.Split(':')[0] is "gadugi/shell" or "gadugi/python" or "gadugi/node" or "gadugi/multi" or "gadugi/dotnet-sdk"), "no runtime image: " + images.Stdout);

            await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
            using var run = new ActionWorkspace(Events.PullRequest());
            run.WriteFile("README.md", "# sample\n\nline three\n");
            run.WriteFile("src/app.sh", "echo app\n");

            // The README's sample, as written: only 'run'.
            var first = await RunActionAsync(run, api, new() { ["run"] = ActionDocsTests.ReadmeSampleRun() }, engineSocket: socket);

            Assert.AreEqual(0, first.ExitCode, first.Output);
            Assert.Contains("Imported gadugi/shell:5.2 from the action image in ", first.Stdout);
            Assert.Contains("files: 2\n", first.Stdout);
            Assert.Contains("README.md: 3 lines\n", first.Stdout);
            Assert.Contains("### ✅ Gadugi BuildExec · gadugi: 1 step passed", api.Comments.Single().Body);
            var label = await DockerCli.RunAsync(["-H", "unix://" + socket, "image", "inspect", "--format", "{{index .Config.Labels \"io.gadugi.bundled-from\"}} {{.Config.User}}", "gadugi/shell:5.2"], TimeSpan.FromSeconds(30));
            Assert.StartsWith("gadugi-action ", label.Stdout.Trim());
            Assert.EndsWith(" 10001:10001", label.Stdout.Trim());

            var second = await RunActionAsync(run, api, new() { ["run"] = "echo again" }, engineSocket: socket);

            Assert.AreEqual(0, second.ExitCode, second.Output);
            Assert.DoesNotContain("Imported gadugi/shell:5.2", second.Stdout, "the engine has it now");

            // The python and node policies' images travel in the action image too.
            var python = await RunActionAsync(run, api, new() { ["run"] = "python3 -c 'import sqlite3, ssl, sys; print(\"python %d.%d\" % sys.version_info[:2])'", ["policy"] = "python" }, engineSocket: socket);
            Assert.AreEqual(0, python.ExitCode, python.Output);
            Assert.Contains("Imported gadugi/python:3.11 from the action image in ", python.Stdout);
            Assert.Contains("python 3.11\n", python.Stdout);
            var node = await RunActionAsync(run, api, new() { ["run"] = "node -e 'console.log(\"node \" + process.version)'", ["policy"] = "node" }, engineSocket: socket);
            Assert.AreEqual(0, node.ExitCode, node.Output);
            Assert.Contains("Imported gadugi/node:18 from the action image in ", node.Stdout);
            Assert.Contains("node v18.", node.Stdout);
            foreach (var line in (python.Stdout + node.Stdout).Split('\n').Where(line => line.StartsWith("Imported ", StringComparison.Ordinal)))
            {
                Console.WriteLine(line); // the import cost on a fresh runner, for the record
            }
            var bundled = await DockerCli.RunAsync(["-H", "unix://" + socket, "image", "inspect", "--format", "{{index .Config.Labels \"io.gadugi.bundled-from\"}} {{.Config.User}}", "gadugi/python:3.11", "gadugi/node:18"], TimeSpan.FromSeconds(30));
            Assert.AreEqual(2, bundled.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => line.StartsWith("gadugi-action ", StringComparison.Ordinal) && line.EndsWith(" 10001:10001", StringComparison.Ordinal)), bundled.Stdout);

            // multi is not carried: the error names the exact step that provides it.
            var multi = await RunActionAsync(run, api, new() { ["run"] = "python3 -V", ["policy"] = "multi" }, engineSocket: socket);
            Assert.AreEqual(1, multi.ExitCode);
            Assert.Contains(
                "::error title=GBX5035::GBX5035: Image 'gadugi/multi:py3.11-node18' of policy 'multi' is not on the runner's container engine, and the action never pulls images; "
                + "it carries only gadugi/node:18, gadugi/python:3.11, gadugi/shell:5.2. Add this step before the action's: "
                + "'run: docker pull ghcr.io/octo/gadugi-multi:py3.11-node18 && docker tag ghcr.io/octo/gadugi-multi:py3.11-node18 gadugi/multi:py3.11-node18'",
                multi.Stdout);
            var containers = await DockerCli.RunAsync(["-H", "unix://" + socket, "ps", "-aq"], TimeSpan.FromSeconds(30));
            Assert.AreEqual(string.Empty, containers.Stdout.Trim(), "no sandbox, smoke-test or action container is left on the engine");
        }
        finally
        {
            await ChildProcess.RunAsync("bash", [script, "stop", directory], new ChildProcessOptions { Timeout = TimeSpan.FromMinutes(2) });
        }
    }
}
