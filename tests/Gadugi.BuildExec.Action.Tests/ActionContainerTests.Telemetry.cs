using System.Net;
using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

public sealed partial class ActionContainerTests
{
    /// <summary>
    /// The workflow's OTEL_EXPORTER_OTLP_ENDPOINT reaches the action container the way the runner passes
    /// a step's env (docker run -e NAME), and the steps' spans and metrics reach the receiver before the
    /// container exits. As on a runner, the container is on a bridge network of its own (created here),
    /// not the host's: the receiver listens on this host's address on that network, so nothing leaves the machine.
    /// </summary>
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task The_workflow_OTLP_endpoint_receives_the_steps_spans_and_metrics()
    {
        var network = "gadugi-otel-e2e-" + Guid.NewGuid().ToString("N")[..10];
        await DockerCli.CheckedAsync("network", "create", "--label", "io.gadugi.test=action-e2e", network);
        try
        {
            var gateway = (await DockerCli.CheckedAsync("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", network)).Trim();
            using var receiver = new OtlpReceiver(IPAddress.Parse(gateway));
            await using var api = await FakeGitHubApi.StartAsync();
            using var run = new ActionWorkspace(Events.PullRequest());
            run.WriteSampleRepository();
            var before = await ManagedContainersAsync();

            // No token: nothing is reported to GitHub, whose fake listens on this host's loopback only.
            var outcome = await RunActionAsync(run, api, new() { ["run"] = "echo traced\nexit 3", ["mode"] = "lines", ["github_token"] = string.Empty }, receiver.ExporterEnvironment(), network: network);

            Assert.AreEqual(1, outcome.ExitCode, outcome.Output);
            Assert.IsEmpty(api.Requests);
            var records = ReadAudit(run);
            Assert.HasCount(2, records);
            var spans = string.Join('\n', receiver.Bodies("/v1/traces"));
            var metrics = string.Join('\n', receiver.Bodies("/v1/metrics"));
            foreach (var expected in records.Select(record => record.GetProperty("id").GetString()!).Concat(["gadugi.execution", "gadugi.caller", "action", "process.exit.code", "gadugi-action"]))
            {
                StringAssert.Contains(spans, expected, $"the spans lack '{expected}'\n{outcome.Output}");
            }

            foreach (var expected in new[] { "gadugi.executions", "gadugi.execution.duration", "gadugi.outcome", "success", "failure", "gadugi-action" })
            {
                StringAssert.Contains(metrics, expected, $"the metrics lack '{expected}'\n{outcome.Output}");
            }

            await AssertNothingLeftAsync(before, outcome.ContainerName, records);
        }
        finally
        {
            await DockerCli.RunAsync(["network", "rm", network], TimeSpan.FromMinutes(1));
        }
    }
}
