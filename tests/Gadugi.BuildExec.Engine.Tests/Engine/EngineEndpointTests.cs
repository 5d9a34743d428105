using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Engine.Tests.Support;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Engine;

/// <summary>
/// The endpoint is found as the docker CLI finds it (DOCKER_HOST, DOCKER_CONTEXT, the current
/// context in the docker config, the default socket), proven against the real engine: each context
/// points at a link to the real socket under its own name, so reaching the engine through that
/// name shows the context was followed, not the default.
/// </summary>
[TestClass]
public sealed class EngineEndpointTests
{
    private const string ContextName = "gadugi-test-context";

    private string _scratch = string.Empty;

    public TestContext TestContext { get; set; } = null!;

    private string DockerConfig => Path.Combine(_scratch, "docker-config");

    private string LinkedSocket => Path.Combine(_scratch, "via-context.sock");

    [TestInitialize]
    public void CreateDockerConfig()
    {
        _scratch = Directory.CreateTempSubdirectory("gadugi-test-context-").FullName;
        File.CreateSymbolicLink(LinkedSocket, "/var/run/docker.sock");
        var meta = Path.Combine(DockerConfig, "contexts", "meta", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ContextName))));
        Directory.CreateDirectory(meta);
        File.WriteAllText(Path.Combine(meta, "meta.json"), JsonSerializer.Serialize(new
        {
            Name = ContextName,
            Metadata = new { Description = "a test context" },
            Endpoints = new { docker = new { Host = "unix://" + LinkedSocket, SkipTLSVerify = false } },
        }));
    }

    [TestCleanup]
    public void DeleteDockerConfig() => Directory.Delete(_scratch, recursive: true);

    private void WriteCurrentContext(string name) =>
        File.WriteAllText(Path.Combine(DockerConfig, "config.json"), JsonSerializer.Serialize(new { auths = new { }, currentContext = name }));

    [TestMethod]
    public async Task The_context_DOCKER_CONTEXT_names_reaches_the_real_engine()
    {
        var endpoint = EngineEndpoint.Resolve(new DockerCliSettings(DockerConfig, DockerHost: null, DockerContext: ContextName));

        Assert.AreEqual(new Uri("unix://" + LinkedSocket), endpoint);
        using var engine = await EngineConnection.ConnectAsync(endpoint, TestContext.CancellationToken);
        Assert.IsFalse(string.IsNullOrEmpty((await engine.Client.System.GetSystemInfoAsync(TestContext.CancellationToken)).ID));
    }

    [TestMethod]
    public async Task The_current_context_of_the_docker_config_is_used_when_no_variable_names_one()
    {
        WriteCurrentContext(ContextName);

        var settings = new DockerCliSettings(DockerConfig, DockerHost: null, DockerContext: null);
        var endpoint = EngineEndpoint.Resolve(settings);

        Assert.AreEqual(new Uri("unix://" + LinkedSocket), endpoint);
        StringAssert.Contains(EngineEndpoint.DescribeSource(settings), $"context '{ContextName}' (currentContext in ");
        using var engine = await EngineConnection.ConnectAsync(endpoint, TestContext.CancellationToken);
        Assert.AreEqual(engine.Endpoint, endpoint);
    }

    [TestMethod]
    public void DOCKER_HOST_wins_over_DOCKER_CONTEXT_and_the_current_context()
    {
        WriteCurrentContext(ContextName);

        var endpoint = EngineEndpoint.Resolve(new DockerCliSettings(DockerConfig, DockerHost: "unix:///run/elsewhere.sock", DockerContext: ContextName));

        Assert.AreEqual(new Uri("unix:///run/elsewhere.sock"), endpoint);
    }

    [TestMethod]
    public void The_default_context_and_no_config_mean_the_local_socket()
    {
        WriteCurrentContext("default");

        Assert.AreEqual(new Uri("unix:///var/run/docker.sock"), EngineEndpoint.Resolve(new DockerCliSettings(DockerConfig, null, null)));
        Assert.AreEqual(new Uri("unix:///var/run/docker.sock"), EngineEndpoint.Resolve(new DockerCliSettings(Path.Combine(_scratch, "no-such-config"), null, null)));
    }

    [TestMethod]
    public void A_context_that_does_not_exist_is_GBX1005_naming_it_and_the_config()
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => EngineEndpoint.Resolve(new DockerCliSettings(DockerConfig, null, "no-such-context")));

        Assert.AreEqual("GBX1005", error.Code);
        StringAssert.Contains(error.Message, "'no-such-context' does not exist");
        StringAssert.Contains(error.Message, Path.Combine(DockerConfig, "config.json"));
    }

    [TestMethod]
    public void A_docker_config_that_is_not_JSON_is_GBX1005()
    {
        File.WriteAllText(Path.Combine(DockerConfig, "config.json"), "{ not json");

        var error = Assert.ThrowsExactly<GadugiException>(() => EngineEndpoint.Resolve(new DockerCliSettings(DockerConfig, null, null)));

        Assert.AreEqual("GBX1005", error.Code);
    }

    [TestMethod]
    public async Task The_CLI_follows_DOCKER_CONTEXT_to_the_engine()
    {
        var workspace = Directory.CreateDirectory(Path.Combine(_scratch, "workspace")).FullName;
        File.SetUnixFileMode(workspace, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(_scratch, (UnixFileMode)0x1ED);
        var environment = Support.Cli.AuditTo(Path.Combine(_scratch, "audit.jsonl"));
        environment["DOCKER_HOST"] = string.Empty;
        environment["DOCKER_CONFIG"] = DockerConfig;
        environment["DOCKER_CONTEXT"] = ContextName;

        var result = await Support.Cli.RunAsync(workspace, environment, null, "run", "--policy", "shell", "--json", "--", "true");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(await File.ReadAllTextAsync(Path.Combine(_scratch, "audit.jsonl"), TestContext.CancellationToken), "\"status\":\"completed\"");
    }

    [TestMethod]
    public async Task The_CLI_follows_the_current_context_to_its_engine_and_not_to_the_default_socket()
    {
        await using var faulty = new FaultyEngine();
        var meta = Path.Combine(DockerConfig, "contexts", "meta", Convert.ToHexStringLower(SHA256.HashData("faulty"u8)));
        Directory.CreateDirectory(meta);
        File.WriteAllText(Path.Combine(meta, "meta.json"), JsonSerializer.Serialize(new { Name = "faulty", Endpoints = new { docker = new { Host = faulty.DockerHost } } }));
        WriteCurrentContext("faulty");
        var workspace = Directory.CreateDirectory(Path.Combine(_scratch, "workspace")).FullName;
        File.SetUnixFileMode(workspace, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(_scratch, (UnixFileMode)0x1ED);
        var environment = Support.Cli.AuditTo(Path.Combine(_scratch, "audit.jsonl"));
        environment["DOCKER_HOST"] = string.Empty;
        environment["DOCKER_CONFIG"] = DockerConfig;

        var result = await Support.Cli.RunAsync(workspace, environment, null, "run", "--policy", "shell", "--", "true");

        Assert.AreEqual(125, result.ExitCode, result.Stdout + result.Stderr);
        StringAssert.Contains(result.Stderr, "injected engine failure", "the run must have gone to the context's engine");
    }
}
