using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Engine.Tests.Support;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Engine;

/// <summary>
/// The client reads <c>/version</c> unversioned and then speaks the highest API version both sides
/// support: proven by the request paths a stand-in engine saw, for engines this machine does not
/// have (Docker 29 refuses clients below 1.44), and against the real engine.
/// </summary>
[TestClass]
public sealed class EngineNegotiationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_engine_that_refuses_clients_below_1_44_is_spoken_to_in_1_44()
    {
        await using var standIn = new StandInEngine(minimumApi: "1.44", maximumApi: "1.44");

        using var engine = await EngineConnection.ConnectAsync(standIn.Endpoint, TestContext.CancellationToken);
        var containers = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, TestContext.CancellationToken);

        Assert.IsEmpty(containers);
        Assert.AreEqual(new Version(1, 44), engine.ApiVersion);
        Assert.AreEqual("/version", standIn.Paths[0], "the version must be read unversioned: " + string.Join(", ", standIn.Paths));
        Assert.HasCount(2, standIn.Paths);
        StringAssert.StartsWith(standIn.Paths[1], "/v1.44/containers/json");
    }

    [TestMethod]
    public async Task An_engine_newer_than_the_client_is_spoken_to_in_the_clients_newest_version()
    {
        await using var standIn = new StandInEngine(minimumApi: "1.44", maximumApi: "1.54", engineVersion: "29.4.1");

        using var engine = await EngineConnection.ConnectAsync(standIn.Endpoint, TestContext.CancellationToken);
        await engine.Client.Containers.ListContainersAsync(new ContainersListParameters(), TestContext.CancellationToken);

        Assert.AreEqual(EngineApi.Newest, engine.ApiVersion);
        StringAssert.StartsWith(standIn.Paths[^1], $"/v{EngineApi.Format(EngineApi.Newest)}/containers/json");
    }

    [TestMethod]
    public async Task An_engine_older_than_API_1_41_is_refused_with_GBX1004_naming_both_ranges()
    {
        await using var standIn = new StandInEngine(minimumApi: "1.12", maximumApi: "1.40", engineVersion: "19.03.15");

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => EngineConnection.ConnectAsync(standIn.Endpoint, TestContext.CancellationToken));

        Assert.AreEqual("GBX1004", error.Code);
        StringAssert.Contains(error.Message, "Docker 19.03.15");
        StringAssert.Contains(error.Message, "1.12 to 1.40");
        StringAssert.Contains(error.Message, $"speaks 1.41 to {EngineApi.Format(EngineApi.Newest)}");
        CollectionAssert.AreEqual(new[] { "/version" }, standIn.Paths.ToArray(), "nothing may be asked of an engine that shares no version");
    }

    [TestMethod]
    public async Task An_engine_that_accepts_only_clients_newer_than_this_one_is_refused_with_GBX1004()
    {
        await using var standIn = new StandInEngine(minimumApi: "1.60", maximumApi: "1.62", engineVersion: "35.0.0");

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => EngineConnection.ConnectAsync(standIn.Endpoint, TestContext.CancellationToken));

        Assert.AreEqual("GBX1004", error.Code);
        StringAssert.Contains(error.Message, "1.60 to 1.62");
    }

    [TestMethod]
    public async Task The_real_engine_is_spoken_to_in_the_highest_version_both_support()
    {
        using var engine = await EngineConnection.ConnectAsync(cancellationToken: TestContext.CancellationToken);
        var server = Version.Parse(engine.ServerApiVersion);

        Assert.AreEqual(server < EngineApi.Newest ? server : EngineApi.Newest, engine.ApiVersion);
        var info = await engine.Client.System.GetSystemInfoAsync(TestContext.CancellationToken);
        Assert.IsFalse(string.IsNullOrEmpty(info.ID));
    }
}
