using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Policies;

[TestClass]
public sealed class PolicyValueParserTests
{
    [TestMethod]
    [DataRow("512m", 536870912L)]
    [DataRow("1g", 1073741824L)]
    [DataRow("1.5g", 1610612736L)]
    [DataRow("64k", 65536L)]
    [DataRow("100b", 100L)]
    [DataRow("2G", 2147483648L)]
    public void Sizes_with_units_parse(string text, long expected) => Assert.AreEqual(expected, PolicyValueParser.ParseSize(text));

    [TestMethod]
    [DataRow("512")]
    [DataRow("512mb")]
    [DataRow("m")]
    [DataRow("-1g")]
    [DataRow("1.5b")]
    [DataRow("1 g")]
    [DataRow("")]
    public void Sizes_without_a_unit_or_with_garbage_are_rejected(string text) => Assert.IsNull(PolicyValueParser.ParseSize(text));

    [TestMethod]
    [DataRow("30m", 1800)]
    [DataRow("90s", 90)]
    [DataRow("2h", 7200)]
    public void Durations_parse(string text, int seconds) => Assert.AreEqual(TimeSpan.FromSeconds(seconds), PolicyValueParser.ParseDuration(text));

    [TestMethod]
    [DataRow("30")]
    [DataRow("1.5m")]
    [DataRow("30 minutes")]
    [DataRow("1d")]
    public void Bad_durations_are_rejected(string text) => Assert.IsNull(PolicyValueParser.ParseDuration(text));

    [TestMethod]
    [DataRow("1.5", "1.5")]
    [DataRow("1", "1")]
    [DataRow("0.25", "0.25")]
    public void Cpus_parse(string text, string expected) => Assert.AreEqual(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), PolicyValueParser.ParseCpus(text));

    [TestMethod]
    [DataRow("0")]
    [DataRow("-1")]
    [DataRow("one")]
    [DataRow("1e3")]
    public void Bad_cpus_are_rejected(string text) => Assert.IsNull(PolicyValueParser.ParseCpus(text));

    [TestMethod]
    [DataRow("10.20.0.5:8080", "10.20.0.5", null, 8080)]
    [DataRow("pypi-mirror.internal:443", "pypi-mirror.internal", null, 443)]
    [DataRow("192.168.50.0/24", "192.168.50.0", 24, null)]
    [DataRow("192.168.50.0/24:53", "192.168.50.0", 24, 53)]
    public void Destinations_parse(string text, string host, int? prefix, int? port) =>
        Assert.AreEqual(new NetworkDestination(host, prefix, port), PolicyValueParser.ParseDestination(text));

    [TestMethod]
    [DataRow("999.1.1.1")]
    [DataRow("10.0.0.1:70000")]
    [DataRow("host name:80")]
    [DataRow("pypi.internal/24")]
    public void Bad_destinations_are_rejected(string text) => Assert.IsNull(PolicyValueParser.ParseDestination(text));

    [TestMethod]
    public void Overrides_are_parsed_as_strictly_as_the_file()
    {
        var policy = PolicyDefaults.BuiltIn["shell"];

        var applied = new PolicyOverrides { Timeout = "5s", Memory = "64m", Cpus = "0.5", Network = "bridge" }.ApplyTo(policy);

        Assert.AreEqual(TimeSpan.FromSeconds(5), applied.Timeout);
        Assert.AreEqual(64L * 1024 * 1024, applied.MemoryBytes);
        Assert.AreEqual(0.5m, applied.Cpus);
        Assert.AreEqual(NetworkMode.Bridge, applied.Network.Mode);
        var error = Assert.ThrowsExactly<GadugiException>(() => new PolicyOverrides { Memory = "lots" }.ApplyTo(policy));
        Assert.AreEqual("GBX2011", error.Code);
        StringAssert.Contains(error.Message, "--memory");
    }
}
