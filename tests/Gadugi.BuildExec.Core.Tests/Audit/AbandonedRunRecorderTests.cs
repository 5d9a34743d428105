using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadugi.BuildExec.Core.Tests.Audit;

/// <summary>
/// Two sweeps that removed the same killed run's sandbox (a workflow's resume and the executor's own
/// background reaper, or two processes) end the run once: "still open?" and the append are one step
/// under the log's lock.
/// </summary>
[TestClass]
public sealed class AbandonedRunRecorderTests
{
    private string _path = string.Empty;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreatePath() => _path = Path.Combine(Directory.CreateTempSubdirectory("gadugi-abandoned-").FullName, "audit.jsonl");

    [TestCleanup]
    public void DeletePath() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);

    [TestMethod]
    public async Task Sweeps_racing_over_the_same_killed_run_append_exactly_one_abandoned_record()
    {
        const int sweeps = 8;
        for (var run = 0; run < 3; run++)
        {
            await StartAsync("run-" + run);
        }

        var removed = Enumerable.Range(0, 3).Select(run => Sandbox("run-" + run)).ToArray();
        using var ready = new Barrier(sweeps);
        var racing = Enumerable.Range(0, sweeps).Select(_ => Task.Run(
            async () =>
            {
                ready.SignalAndWait(TestContext.CancellationToken);
                return await new AbandonedRunRecorder(TimeProvider.System, NullLogger.Instance).RecordAsync(removed, TestContext.CancellationToken);
            },
            TestContext.CancellationToken)).ToArray();
        var recorded = await Task.WhenAll(racing);

        Assert.AreEqual(3, recorded.Sum(), "each run is recorded by exactly one sweep");
        foreach (var run in Enumerable.Range(0, 3).Select(run => "run-" + run))
        {
            CollectionAssert.AreEqual(new[] { AuditStatus.Started, AuditStatus.Abandoned }, StatusesOf(run), run);
        }

        var verdict = AuditVerifier.Verify(_path);
        Assert.IsTrue(verdict.IsIntact, verdict.ToString());
    }

    [TestMethod]
    public async Task A_run_that_ended_after_the_sweep_looked_gets_no_abandoned_record()
    {
        await StartAsync("finished");
        var log = new AuditLog(_path);
        var open = AuditRuns.Read(_path).Open.Single();
        await log.AppendAsync(Record("finished", AuditStatus.Completed), TestContext.CancellationToken);

        var appended = await log.EndOpenRunsAsync(
            [open.Id],
            run => AuditRecordFactory.ForAbandoned(run.Started, "c0ffee", "gone", removedNow: true, DateTimeOffset.UnixEpoch),
            long.MaxValue,
            TestContext.CancellationToken);

        Assert.IsEmpty(appended);
        CollectionAssert.AreEqual(new[] { AuditStatus.Started, AuditStatus.Completed }, StatusesOf("finished"));
    }

    private List<string> StatusesOf(string id) =>
        File.ReadAllLines(_path)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .Where(record => record.GetProperty("id").GetString() == id)
            .Select(record => record.GetProperty("status").GetString()!)
            .ToList();

    private EngineResource Sandbox(string id) => new(
        "container-" + id,
        "gadugi-" + id,
        new Dictionary<string, string>
        {
            [ContainerLabels.AuditLog] = _path,
            [ContainerLabels.Execution] = id,
            [ContainerLabels.Owner] = "dead-owner",
        });

    private async Task StartAsync(string id) =>
        await new AuditLog(_path).AppendAsync(Record(id, AuditStatus.Started), TestContext.CancellationToken);

    private static AuditRecord Record(string id, string status) => new()
    {
        Id = id,
        Time = DateTimeOffset.UnixEpoch,
        Who = new AuditActor("tester", 1000, "host", 42, "test"),
        Status = status,
        Policy = new AuditPolicy("shell", "built-in"),
        Argv = ["sleep", "120"],
        Sandboxed = true,
    };
}
