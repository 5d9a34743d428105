using System.Globalization;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Tasks.Tests.Support;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// An SDK patch update does not break a containerized build: the local SDK image is tagged as another
/// patch of its feature band, and a real 'dotnet build -p:ContainerizedBuild=true' asking for a third
/// patch of that band (which has no image) runs in it and says so; a version of a band without any
/// image stops with GBX4022. The registry step runs through the task on the real engine (no registry
/// is reachable: a pull from a closed port on 127.0.0.1 fails, nothing leaves the machine).
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class DotnetSdkImageFallbackEndToEndTests
{
    private const string Repository = "gadugi/dotnet-sdk";
    private static string s_hostSdk = string.Empty;
    private static string s_bandTag = string.Empty;
    private static string s_unbuiltPatch = string.Empty;
    private static string s_registryImage = string.Empty;

    [ClassInitialize]
    public static async Task TagTheLocalSdkImageAsAnotherPatchOfItsBand(TestContext context)
    {
        var solution = await SampleSolution.GetAsync();
        var version = await solution.DotnetAsync(solution.Root, "--version");
        Assert.AreEqual(0, version.ExitCode, version.ToString());
        s_hostSdk = version.Output.Trim().Split('\n')[^1].Trim();
        var parsed = DotnetSdkVersion.TryParse(s_hostSdk);
        Assert.IsNotNull(parsed, s_hostSdk);
        string Patch(int lastTwoDigits) => string.Create(CultureInfo.InvariantCulture, $"{parsed.Major}.{parsed.Minor}.{parsed.FeatureBand * 100 + lastTwoDigits}");
        s_bandTag = Patch(98);
        s_unbuiltPatch = Patch(99);
        Assert.AreNotEqual(s_hostSdk, s_bandTag, "the host SDK is the patch this test tags");
        s_registryImage = "gadugi-e2e/registry-sdk-" + Guid.NewGuid().ToString("N")[..8] + ":" + parsed.Major + "." + parsed.Minor;

        using var engine = await EngineConnection.ConnectAsync();
        var hostImage = Repository + ":" + s_hostSdk;
        await engine.Client.Images.TagImageAsync(hostImage, new ImageTagParameters { RepositoryName = Repository, Tag = s_bandTag });
        var (registryName, registryTag) = EngineImageCatalog.Split(s_registryImage);
        await engine.Client.Images.TagImageAsync(hostImage, new ImageTagParameters { RepositoryName = registryName, Tag = registryTag });
    }

    [ClassCleanup]
    public static async Task RemoveTheTags()
    {
        using var engine = await EngineConnection.ConnectAsync();
        foreach (var tag in new[] { Repository + ":" + s_bandTag, s_registryImage }.Where(tag => !tag.EndsWith(':')))
        {
            try
            {
                // Removing a second name of an image only untags it.
                await engine.Client.Images.DeleteImageAsync(tag, new ImageDeleteParameters());
            }
            catch (Docker.DotNet.DockerImageNotFoundException)
            {
            }
        }

        var solution = await SampleSolution.GetAsync();
        var leftovers = await solution.LeftoverContainersAsync();
        Assert.IsEmpty(leftovers, "containers left: " + string.Join(", ", leftovers));
    }

    [TestMethod]
    public async Task A_patch_without_an_image_builds_in_the_newest_image_of_its_feature_band()
    {
        var solution = await SampleSolution.GetAsync();
        var records = solution.AuditRecords().Count;

        var result = await solution.DotnetAsync(solution.BuiltLibrary, "build", "-p:ContainerizedBuild=true", "-p:GadugiDotnetSdkVersion=" + s_unbuiltPatch);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, $"GBX4020: The .NET SDK image '{Repository}:{s_unbuiltPatch}' is not on the engine; using '{Repository}:{s_bandTag}', the newest local image of the SDK's feature band {DotnetSdkVersion.TryParse(s_hostSdk)!.FeatureBandName}.", result.ToString());
        StringAssert.Contains(result.Output, "Sample.BuiltLibrary -> /output/bin/Sample.BuiltLibrary.dll", "compiled in the sandbox\n" + result);
        var added = solution.AuditRecords().Skip(records).ToArray();
        Assert.HasCount(1, added, result.ToString());
        Assert.AreEqual(Repository + ":" + s_bandTag, added[0].GetProperty("image").GetProperty("reference").GetString());
        Assert.AreEqual(0, added[0].GetProperty("result").GetProperty("exit_code").GetInt32());
    }

    [TestMethod]
    public async Task A_version_of_a_band_without_any_image_stops_with_GBX4022_before_any_sandbox()
    {
        var solution = await SampleSolution.GetAsync();
        var records = solution.AuditRecords().Count;
        var parsed = DotnetSdkVersion.TryParse(s_hostSdk)!;
        var otherBand = string.Create(CultureInfo.InvariantCulture, $"{parsed.Major}.{parsed.Minor}.{(parsed.FeatureBand == 9 ? 8 : 9)}99");

        var result = await solution.DotnetAsync(solution.BuiltLibrary, "build", "--no-restore", "-p:ContainerizedBuild=true", "-p:GadugiDotnetSdkVersion=" + otherBand);

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, $"error GBX4022: No image for the .NET SDK {otherBand} on the engine. Tried: '{Repository}:{otherBand}' (not on the engine)", result.ToString());
        StringAssert.Contains(result.Output, "(not pulled: GadugiDotnetImagePull is not true)", result.ToString());
        StringAssert.Contains(result.Output, "gadugi-exec images build dotnet-sdk", result.ToString());
        Assert.HasCount(records, solution.AuditRecords(), "no sandbox was started\n" + result);
    }

    [TestMethod]
    public void With_pulling_allowed_the_registry_image_the_engine_has_is_used()
    {
        var (task, engine) = NewTask("10.0.999-none", s_registryImage);

        Assert.IsTrue(task.Execute(), engine.Log);

        Assert.AreEqual(s_registryImage, task.Image);
        var message = engine.Messages.Single(m => m.Code == "GBX4021");
        StringAssert.Contains(message.Message, $"using the registry image '{s_registryImage}' (GadugiDotnetImagePull is true; the engine already had it)");
    }

    [TestMethod]
    public void A_registry_image_that_cannot_be_pulled_is_named_in_GBX4022_with_the_engine_words()
    {
        var (task, engine) = NewTask("10.0.999", "127.0.0.1:9/gadugi-e2e/sdk:10.0");

        Assert.IsFalse(task.Execute(), engine.Log);

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX4022", error.Code);
        StringAssert.Contains(error.Message, "'127.0.0.1:9/gadugi-e2e/sdk:10.0' (pull failed: ", engine.Log);
        StringAssert.Contains(error.Message, "127.0.0.1:9", engine.Log);
        StringAssert.Contains(error.HelpLink, "#gbx4022--no-net-sdk-image");
    }

    private static (ResolveDotnetSdkImage Task, RecordingBuildEngine Engine) NewTask(string sdkVersion, string registryImage)
    {
        var engine = new RecordingBuildEngine(Path.Combine(Path.GetTempPath(), "gbx-sdk-image.csproj"));
        return (new ResolveDotnetSdkImage { BuildEngine = engine.Engine, Repository = Repository, SdkVersion = sdkVersion, RegistryImage = registryImage, AllowPull = true }, engine);
    }
}
