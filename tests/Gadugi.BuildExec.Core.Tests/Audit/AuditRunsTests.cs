using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Core.Tests.Audit;

/// <summary>Started records are paired with the record that ended their run; what is left over is open.</summary>
[TestClass]
public sealed class AuditRunsTests
{
    private string _path = string.Empty;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreatePath() => _path = Path.Combine(Directory.CreateTempSubdirectory("gadugi-audit-runs-").FullName, "audit.jsonl");

    [TestCleanup]
    public void DeletePath() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);

    private async Task AppendAsync(string id, string status, int minute) =>
        await new AuditLog(_path).AppendAsync(
            new AuditRecord
            {
                Id = id,
                Time = DateTimeOffset.UnixEpoch.AddMinutes(minute),
                Who = new AuditActor("tester", 1000, "host", 42, "test"),
                Status = status,
                Policy = new AuditPolicy("shell", "built-in"),
                Argv = ["echo", id],
            },
            TestContext.CancellationToken);

    [TestMethod]
    public async Task Each_run_is_finished_abandoned_or_open_by_the_record_that_ended_it()
    {
        await AppendAsync("done", AuditStatus.Started, 1);
        await AppendAsync("killed", AuditStatus.Started, 2);
        await AppendAsync("open", AuditStatus.Started, 3);
        await AppendAsync("done", AuditStatus.Completed, 4);
        await AppendAsync("killed", AuditStatus.Abandoned, 5);
        await AppendAsync("denied", AuditStatus.Denied, 6);
        await AppendAsync("killed", AuditStatus.Completed, 7);

        var runs = AuditRuns.Read(_path);

        Assert.HasCount(3, runs.All, "a request refused before it had a sandbox is no run that started");
        Assert.AreEqual("open", runs.Open.Single().Id);
        Assert.AreEqual("killed", runs.Abandoned.Single().Id);
        Assert.AreEqual(AuditStatus.Abandoned, runs.Find("killed")!.EndStatus, "the first ending counts");
        Assert.AreEqual(AuditStatus.Completed, runs.Find("done")!.EndStatus);
        StringAssert.StartsWith(runs.Open.Single().Describe(), "open (policy shell, started 1970-01-01 00:03:00Z by tester@host pid 42)");
    }

    [TestMethod]
    public async Task A_tail_window_sees_only_the_runs_that_start_inside_it()
    {
        await AppendAsync("old", AuditStatus.Started, 1);
        var length = new FileInfo(_path).Length;
        await AppendAsync("new", AuditStatus.Started, 2);

        var runs = AuditRuns.Read(_path, new FileInfo(_path).Length - length + 10);

        Assert.AreEqual("new", runs.Open.Single().Id);
    }
}
