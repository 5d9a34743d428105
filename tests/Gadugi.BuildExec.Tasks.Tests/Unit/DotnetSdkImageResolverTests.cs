using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

/// <summary>The order of the .NET SDK image fallback (pure logic; the real engine and build are in DotnetSdkImageFallbackEndToEndTests).</summary>
[TestClass]
public sealed class DotnetSdkImageResolverTests
{
    private const string Repository = "gadugi/dotnet-sdk";

    private static Task<DotnetSdkImageChoice> Resolve(ScriptedCatalog catalog, string version, bool allowPull = false, string? registry = null) =>
        DotnetSdkImageResolver.ResolveAsync(catalog, new DotnetSdkImageQuery(Repository, version, registry, allowPull), CancellationToken.None);

    [TestMethod]
    public async Task The_exact_version_is_used_when_the_engine_has_it()
    {
        var catalog = new ScriptedCatalog("gadugi/dotnet-sdk:10.0.401", "gadugi/dotnet-sdk:10.0.402");

        var choice = await Resolve(catalog, "10.0.401");

        Assert.AreEqual(new DotnetSdkImageChoice("gadugi/dotnet-sdk:10.0.401", DotnetSdkImageSource.Exact), choice);
    }

    [TestMethod]
    public async Task Else_the_newest_image_of_the_same_feature_band()
    {
        var catalog = new ScriptedCatalog("gadugi/dotnet-sdk:10.0.401", "gadugi/dotnet-sdk:10.0.403", "gadugi/dotnet-sdk:10.0.402", "gadugi/dotnet-sdk:10.0.500", "gadugi/dotnet-sdk:9.0.409", "gadugi/dotnet-sdk:latest");

        var choice = await Resolve(catalog, "10.0.404", allowPull: true);

        Assert.AreEqual(new DotnetSdkImageChoice("gadugi/dotnet-sdk:10.0.403", DotnetSdkImageSource.FeatureBand), choice);
        Assert.IsEmpty(catalog.Pulled);
    }

    [TestMethod]
    public async Task A_release_is_newer_than_its_prerelease()
    {
        var catalog = new ScriptedCatalog("gadugi/dotnet-sdk:10.0.100-rc.2.25502.107", "gadugi/dotnet-sdk:10.0.100");

        var choice = await Resolve(catalog, "10.0.102");

        Assert.AreEqual("gadugi/dotnet-sdk:10.0.100", choice.Image);
    }

    [TestMethod]
    public async Task Another_band_is_never_used_and_without_pulling_the_registry_image_is_not_either()
    {
        var catalog = new ScriptedCatalog("gadugi/dotnet-sdk:10.0.401", "mcr.microsoft.com/dotnet/sdk:10.0");

        var error = await Assert.ThrowsAsync<GadugiException>(() => Resolve(catalog, "10.0.100"));

        Assert.AreEqual("GBX4022", error.Code);
        StringAssert.Contains(error.Message, "'gadugi/dotnet-sdk:10.0.100' (not on the engine)");
        StringAssert.Contains(error.Message, "'gadugi/dotnet-sdk:10.0.1xx' (no local image of that feature band; tags there: 10.0.401)");
        StringAssert.Contains(error.Message, "'mcr.microsoft.com/dotnet/sdk:10.0' (not pulled: GadugiDotnetImagePull is not true)");
        StringAssert.Contains(error.Message, "gadugi-exec images build dotnet-sdk");
        Assert.IsEmpty(catalog.Pulled);
    }

    [TestMethod]
    public async Task With_pulling_allowed_the_registry_image_of_the_major_minor_is_used_or_pulled()
    {
        var present = new ScriptedCatalog("mcr.microsoft.com/dotnet/sdk:10.0");
        var absent = new ScriptedCatalog { PullSucceeds = true };

        var local = await Resolve(present, "10.0.401", allowPull: true);
        var pulled = await Resolve(absent, "10.0.401", allowPull: true);

        Assert.AreEqual(new DotnetSdkImageChoice("mcr.microsoft.com/dotnet/sdk:10.0", DotnetSdkImageSource.Registry), local);
        Assert.IsEmpty(present.Pulled);
        Assert.AreEqual(new DotnetSdkImageChoice("mcr.microsoft.com/dotnet/sdk:10.0", DotnetSdkImageSource.RegistryPulled), pulled);
        CollectionAssert.AreEqual(new[] { "mcr.microsoft.com/dotnet/sdk:10.0" }, absent.Pulled);
    }

    [TestMethod]
    public async Task A_failed_pull_is_named_in_the_error_with_the_engine_words()
    {
        var catalog = new ScriptedCatalog();

        var error = await Assert.ThrowsAsync<GadugiException>(() => Resolve(catalog, "10.0.401", allowPull: true, registry: "registry.example/sdk:10.0"));

        Assert.AreEqual("GBX4022", error.Code);
        StringAssert.Contains(error.Message, "'registry.example/sdk:10.0' (pull failed: no route to registry.example)");
    }

    [TestMethod]
    public async Task A_version_that_is_not_an_SDK_version_tries_only_the_exact_image()
    {
        var catalog = new ScriptedCatalog("gadugi/dotnet-sdk:10.0.401");

        var error = await Assert.ThrowsAsync<GadugiException>(() => Resolve(catalog, "custom"));

        StringAssert.Contains(error.Message, "no feature band ('custom' is not an SDK version such as 10.0.401)");
        Assert.IsEmpty(catalog.Pulled);
    }

    [TestMethod]
    [DataRow("10.0.401", "10.0.4xx", true)]
    [DataRow("10.0.100-rc.2.25502.107", "10.0.1xx", true)]
    [DataRow("10.0.99", null, false)]
    [DataRow("10.0", null, false)]
    [DataRow("10.0.4o1", null, false)]
    [DataRow("10.0.401-", null, false)]
    public void Versions_and_their_feature_bands(string text, string? band, bool valid)
    {
        var version = DotnetSdkVersion.TryParse(text);

        Assert.AreEqual(valid, version is not null);
        Assert.AreEqual(band, version?.FeatureBandName);
        Assert.AreEqual(valid ? text : null, version?.ToString());
    }

    /// <summary>Images an engine would have; pulls succeed only when told to.</summary>
    private sealed class ScriptedCatalog(params string[] images) : IImageCatalog
    {
        private readonly HashSet<string> _images = [.. images];

        public bool PullSucceeds { get; init; }

        public List<string> Pulled { get; } = [];

        public Task<bool> ExistsAsync(string reference, CancellationToken cancellationToken) => Task.FromResult(_images.Contains(reference));

        public Task<IReadOnlyList<string>> TagsAsync(string repository, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>([.. _images.Where(i => i.StartsWith(repository + ":", StringComparison.Ordinal)).Select(i => i[(repository.Length + 1)..])]);

        public Task PullAsync(string reference, CancellationToken cancellationToken)
        {
            if (!PullSucceeds)
            {
                throw new SandboxEngineException("no route to " + reference.Split('/')[0]);
            }

            Pulled.Add(reference);
            _images.Add(reference);
            return Task.CompletedTask;
        }
    }
}
