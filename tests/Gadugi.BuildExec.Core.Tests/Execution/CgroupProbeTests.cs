using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class CgroupProbeTests
{
    [TestMethod]
    public void Cgroup_v1_files_are_read()
    {
        const string dump = """
            == memory/memory.max_usage_in_bytes
            67108864
            == cpuacct/cpuacct.usage
            2500000000
            == memory/memory.oom_control
            oom_kill_disable 0
            under_oom 0
            oom_kill 2
            == pids/pids.events
            max 7
            """;

        var reading = CgroupProbe.Parse(dump + "\n== pids/pids.current\n3\n== pids/pids.max\n256\n")!;

        Assert.AreEqual(64L * 1024 * 1024, reading.Usage.PeakMemoryBytes);
        Assert.IsTrue(reading.Usage.PeakMemoryIsExact);
        Assert.AreEqual(TimeSpan.FromSeconds(2.5), reading.Usage.CpuTime);
        Assert.AreEqual(7, reading.PidsLimitHits);
        Assert.AreEqual(3UL, reading.PidsCurrent);
        Assert.AreEqual(256UL, reading.PidsLimit);
        Assert.IsTrue(reading.PidsLimitReached);
        Assert.AreEqual(2, reading.OomKills);
    }

    [TestMethod]
    public void Cgroup_v2_files_are_read()
    {
        const string dump = """
            == memory.peak
            1048576
            == memory.current
            4096
            == cpu.stat
            usage_usec 1500000
            user_usec 1000000
            system_usec 500000
            == memory.events
            low 0
            high 0
            max 3
            oom 1
            oom_kill 1
            == pids.events
            max 0
            """;

        var reading = CgroupProbe.Parse(dump)!;

        Assert.AreEqual(1048576, reading.Usage.PeakMemoryBytes);
        Assert.IsTrue(reading.Usage.PeakMemoryIsExact);
        Assert.AreEqual(TimeSpan.FromSeconds(1.5), reading.Usage.CpuTime);
        Assert.AreEqual(0, reading.PidsLimitHits);
        Assert.IsFalse(reading.PidsLimitReached);
        Assert.AreEqual(1, reading.OomKills);
    }

    [TestMethod]
    public void Older_v2_kernels_without_a_peak_fall_back_to_the_current_usage()
    {
        var reading = CgroupProbe.Parse("== memory.current\n4096\n== cpu.stat\nusage_usec 10\n")!;

        Assert.AreEqual(4096, reading.Usage.PeakMemoryBytes);
        Assert.IsFalse(reading.Usage.PeakMemoryIsExact);
        Assert.IsNull(reading.OomKills, "no OOM counter readable is unknown, not zero");
    }

    [TestMethod]
    public void Nothing_readable_gives_no_reading() => Assert.IsNull(CgroupProbe.Parse(string.Empty));
}
