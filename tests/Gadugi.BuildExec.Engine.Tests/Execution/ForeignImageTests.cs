using System.Globalization;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Engine.Tests.Images;
using Gadugi.BuildExec.Engine.Tests.Support;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Execution;

/// <summary>
/// "A policy may also name any other image a user already has": images made here outside the
/// gadugi recipes, without their labels, user or command, and removed afterwards.
/// </summary>
[TestClass]
public sealed class ForeignImageTests
{
    private static readonly string Tag = Guid.NewGuid().ToString("N")[..12];

    /// <summary>The shell image's files, imported as a plain rootfs: no labels, no user, no command.</summary>
    private static readonly string Imported = $"gadugi-test/imported-rootfs:{Tag}";

    /// <summary>An image with one file and no 'sleep' to keep a sandbox alive.</summary>
    private static readonly string Bare = $"gadugi-test/no-keeper:{Tag}";

    [ClassInitialize]
    public static async Task CreateImages(TestContext context)
    {
        _ = context;
        var directory = Directory.CreateTempSubdirectory("gadugi-bare-rootfs-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "README"), "no keeper here\n");
            var script = $"""
                set -e
                c=$(docker create gadugi/shell:5.2 true)
                trap 'docker rm -f "$c" >/dev/null' EXIT
                docker export "$c" | docker import - {Imported} >/dev/null
                tar -C {directory} -c . | docker import - {Bare} >/dev/null
                """;
            var made = await ChildProcess.RunAsync("bash", ["-c", script]);
            Assert.AreEqual(0, made.ExitCode, made.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [ClassCleanup]
    public static async Task RemoveImages()
    {
        using var engine = await EngineConnection.ConnectAsync();
        await TestImages.RemoveAsync(engine.Client, Imported, Bare);
    }

    [TestMethod]
    public async Task A_policy_runs_an_image_without_gadugi_labels_user_or_command()
    {
        using var engine = await EngineConnection.ConnectAsync();
        var image = await engine.Client.Images.InspectImageAsync(Imported);
        Assert.IsTrue(image.Config?.Labels is null || !image.Config.Labels.Keys.Any(k => k.StartsWith("io.gadugi.", StringComparison.Ordinal)), "the imported image must not carry gadugi labels");
        Assert.IsTrue(string.IsNullOrEmpty(image.Config?.User), "the imported image must not set a user");
        await using var sandbox = new Sandbox();

        var result = await sandbox.BashAsync(Sandbox.Shell with { Image = Imported }, "echo ran; id -u; touch /evil 2>/dev/null || echo read-only");

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.AreEqual("ran\n10001\nread-only\n", result.Stdout.Text, "the executor's own user and read-only root apply whatever the image says");
        Assert.AreEqual(image.ID, result.ImageId);
        Assert.AreEqual(Imported, result.Image);
    }

    [TestMethod]
    public async Task An_image_without_the_keeper_is_a_coded_error_and_leaves_nothing()
    {
        await using var sandbox = new Sandbox();

        GadugiException? error = null;
        Core.Execution.ExecutionResult? ran = null;
        try
        {
            ran = await sandbox.RunAsync(Sandbox.Shell with { Image = Bare }, "true");
        }
        catch (GadugiException ex)
        {
            error = ex;
        }

        Assert.IsNotNull(error, $"it ran instead: exit {ran?.ExitCode}, kill reason {ran?.KillReason}, events: {string.Join("; ", ran?.Events ?? [])}");
        Assert.AreEqual("GBX1206", error.Code, error.Message);
        StringAssert.Contains(error.Message, Bare);
        var record = File.ReadAllLines(sandbox.AuditLogPath).Last();
        StringAssert.Contains(record, "\"status\":\"failed\"");
        StringAssert.Contains(record, "GBX1206");
        var executionId = System.Text.Json.JsonDocument.Parse(record).RootElement.GetProperty("id").GetString()!;
        await SandboxHarness.AssertNothingLeftAsync(executionId);
        using var engine = await EngineConnection.ConnectAsync();
        var fromImage = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["ancestor"] = new Dictionary<string, bool> { [Bare] = true } },
        });
        Assert.IsEmpty(fromImage, string.Join(", ", fromImage.Select(c => c.ID[..12].ToString(CultureInfo.InvariantCulture))));
    }
}
