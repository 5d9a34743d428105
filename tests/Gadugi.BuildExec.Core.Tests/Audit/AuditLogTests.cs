using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Core.Tests.Audit;

[TestClass]
public sealed class AuditLogTests
{
    private string _path = string.Empty;

    [TestInitialize]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), $"gadugi-audit-{Guid.NewGuid():N}", "audit.jsonl");

    [TestCleanup]
    public void DeletePath()
    {
        var directory = Path.GetDirectoryName(_path)!;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static AuditRecord Record(string id) => new()
    {
        Id = id,
        Time = DateTimeOffset.UnixEpoch,
        Who = new AuditActor("tester", 1000, "host", 1, "test"),
        Status = AuditStatus.Completed,
        Policy = new AuditPolicy("shell", "built-in"),
        Argv = ["echo", id],
    };

    [TestMethod]
    public async Task A_link_planted_at_the_log_path_is_refused_and_its_target_is_untouched()
    {
        var directory = Directory.CreateDirectory(Path.GetDirectoryName(_path)!).FullName;
        var victim = Path.Combine(directory, "victim");
        File.WriteAllText(victim, "untouched\n");
        File.CreateSymbolicLink(_path, victim);

        var error = await Assert.ThrowsExactlyAsync<Core.Diagnostics.GadugiException>(() => new AuditLog(_path).AppendAsync(Record("a"), CancellationToken.None));
        var verifying = Assert.ThrowsExactly<Core.Diagnostics.GadugiException>(() => AuditVerifier.Verify(_path));

        Assert.AreEqual("GBX1310", error.Code, error.Message);
        StringAssert.Contains(error.Message, "a symbolic link");
        Assert.AreEqual("GBX1310", verifying.Code);
        Assert.AreEqual("untouched\n", File.ReadAllText(victim));
    }

    [TestMethod]
    [Timeout(30_000, CooperativeCancellation = true)]
    public async Task A_fifo_at_the_log_path_is_a_coded_error_not_a_hang()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [_path]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var error = await Assert.ThrowsExactlyAsync<Core.Diagnostics.GadugiException>(() => new AuditLog(_path).AppendAsync(Record("a"), CancellationToken.None));
        var verifying = Assert.ThrowsExactly<Core.Diagnostics.GadugiException>(() => AuditVerifier.Verify(_path));

        Assert.AreEqual("GBX1310", error.Code, error.Message);
        StringAssert.Contains(error.Message, "a FIFO");
        Assert.AreEqual("GBX1310", verifying.Code);
    }

    [TestMethod]
    public async Task A_log_the_system_cannot_open_is_the_coded_audit_write_failure_not_an_unexpected_one()
    {
        // The directory exists, the name cannot (ENAMETOOLONG): as for a log whose directory a test or a
        // user removed under a sweep, the open fails below .NET's own file API.
        var directory = Directory.CreateDirectory(Path.GetDirectoryName(_path)!).FullName;
        var unopenable = Path.Combine(directory, new string('a', 300) + ".jsonl");

        var error = await Assert.ThrowsExactlyAsync<Core.Diagnostics.GadugiException>(() => new AuditLog(unopenable).AppendAsync(Record("a"), CancellationToken.None));

        Assert.AreEqual("GBX1301", error.Code, error.Message);
        StringAssert.Contains(error.Message, unopenable);
    }

    [TestMethod]
    public async Task Records_chain_and_verify()
    {
        var log = new AuditLog(_path);
        var (first, firstHash) = await log.AppendAsync(Record("a"), CancellationToken.None);
        var (second, secondHash) = await log.AppendAsync(Record("b"), CancellationToken.None);

        Assert.AreEqual(1, first.Seq);
        Assert.AreEqual(AuditChain.GenesisHash, first.Prev);
        Assert.AreEqual(2, second.Seq);
        Assert.AreEqual(firstHash, second.Prev);
        var verdict = AuditVerifier.Verify(_path);
        Assert.IsTrue(verdict.IsIntact, verdict.ToString());
        Assert.AreEqual(2, verdict.Records);
        Assert.AreEqual(secondHash, verdict.HeadHash);
    }

    [TestMethod]
    public async Task An_edited_record_is_found()
    {
        var log = new AuditLog(_path);
        foreach (var id in new[] { "a", "b", "c" })
        {
            await log.AppendAsync(Record(id), CancellationToken.None);
        }

        var lines = File.ReadAllLines(_path);
        lines[1] = lines[1].Replace("\"b\"]", "\"rm -rf /\"]", StringComparison.Ordinal);
        File.WriteAllLines(_path, lines);

        var verdict = AuditVerifier.Verify(_path);

        Assert.IsFalse(verdict.IsIntact);
        Assert.AreEqual(3, verdict.BrokenLine);
        StringAssert.Contains(verdict.Problem, "line 2 was changed");
    }

    [TestMethod]
    public async Task A_removed_record_is_found()
    {
        var log = new AuditLog(_path);
        foreach (var id in new[] { "a", "b", "c" })
        {
            await log.AppendAsync(Record(id), CancellationToken.None);
        }

        var lines = File.ReadAllLines(_path).ToList();
        lines.RemoveAt(1);
        File.WriteAllLines(_path, lines);

        var verdict = AuditVerifier.Verify(_path);

        Assert.IsFalse(verdict.IsIntact);
        Assert.AreEqual(2, verdict.BrokenLine);
        StringAssert.Contains(verdict.Problem, "record 2 is missing");
    }

    [TestMethod]
    public async Task A_removed_tail_is_found_against_a_kept_head_hash()
    {
        var log = new AuditLog(_path);
        await log.AppendAsync(Record("a"), CancellationToken.None);
        var (_, headAfterB) = await log.AppendAsync(Record("b"), CancellationToken.None);
        File.WriteAllLines(_path, File.ReadAllLines(_path).Take(1));

        Assert.IsTrue(AuditVerifier.Verify(_path).IsIntact);
        var verdict = AuditVerifier.Verify(_path, expectedHead: headAfterB);
        Assert.IsFalse(verdict.IsIntact);
        StringAssert.Contains(verdict.Problem, "head hash");
    }

    [TestMethod]
    public async Task Concurrent_writers_keep_one_unbroken_chain()
    {
        // Separate AuditLog instances on separate threads, as separate executors would be.
        await Parallel.ForEachAsync(Enumerable.Range(0, 64), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
            await new AuditLog(_path).AppendAsync(Record("r" + i), token));

        var verdict = AuditVerifier.Verify(_path);

        Assert.IsTrue(verdict.IsIntact, verdict.ToString());
        Assert.AreEqual(64, verdict.Records);
    }

    [TestMethod]
    public void Records_are_snake_case_json_lines()
    {
        var line = System.Text.Encoding.UTF8.GetString(AuditChain.Serialize(Record("x") with { EnvNames = ["TOKEN"] }));

        StringAssert.StartsWith(line, "{\"seq\":0,\"prev\":\"000");
        StringAssert.Contains(line, "\"env_names\":[\"TOKEN\"]");
        Assert.IsFalse(line.Contains('\n', StringComparison.Ordinal));
    }
}
