using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Engine.Tests.Images;

[TestClass]
public sealed class ImageBuilderCacheTests
{
    /// <summary>
    /// Building every recipe from scratch takes far longer than a test may (the set-up does it once,
    /// and <see cref="RecipeChangeTests"/> builds one from scratch here): what this proves is that
    /// each shipped recipe, as it is in this checkout, has an image built from exactly it — its
    /// recipe hash — that passes the recipe's own smoke tests now.
    /// </summary>
    [TestMethod]
    public async Task Every_shipped_recipe_has_an_image_built_from_its_current_text_that_passes_its_smoke_tests()
    {
        var outcomes = await RuntimeImages.EnsureBuiltAsync();
        var engine = await RuntimeImages.EngineAsync();
        var smoke = new SmokeTester(engine.Client);

        CollectionAssert.AreEquivalent(RuntimeImages.Catalog.Names.ToArray(), outcomes.Keys.ToArray());
        foreach (var (name, outcome) in outcomes)
        {
            var recipe = RuntimeImages.Catalog.Get(name);
            StringAssert.StartsWith(outcome.ImageId, "sha256:");
            Assert.IsGreaterThan(0L, outcome.SizeBytes, name);
            var image = await engine.Client.Images.InspectImageAsync(outcome.ImageId);
            Assert.AreEqual(recipe.RecipeHash, image.Config?.Labels?[ImageLabels.RecipeHash], $"{name}: the image was built from another version of the recipe");
            await smoke.RunAsync(recipe, outcome.ImageId, CancellationToken.None);
        }
    }

    [TestMethod]
    public async Task A_second_build_of_an_unchanged_recipe_is_cached_and_reuses_the_image()
    {
        var first = await RuntimeImages.EnsureBuiltAsync();
        var engine = await RuntimeImages.EngineAsync();
        var builder = new ImageBuilder(engine.Client);
        var stages = new List<ImageBuildStage>();

        foreach (var recipe in RuntimeImages.Catalog.GetAll())
        {
            var again = await builder.BuildAsync(recipe, force: false, new SynchronousProgress<ImageBuildProgress>(report => stages.Add(report.Stage)), CancellationToken.None);

            Assert.AreEqual(ImageBuildStatus.Cached, again.Status, recipe.Name);
            Assert.AreEqual(first[recipe.Name].ImageId, again.ImageId, recipe.Name);
        }

        Assert.DoesNotContain(ImageBuildStage.BuildingRootfs, stages);
    }

    [TestMethod]
    public async Task Images_carry_their_recipe_labels_user_workdir_and_environment()
    {
        var engine = await RuntimeImages.EngineAsync();
        foreach (var (name, outcome) in await RuntimeImages.EnsureBuiltAsync())
        {
            var image = await engine.Client.Images.InspectImageAsync(outcome.ImageId);
            var config = image.Config;
            Assert.IsNotNull(config, name);

            Assert.AreEqual(name, config.Labels?[ImageLabels.Recipe]);
            Assert.AreEqual(RuntimeImages.Catalog.Get(name).RecipeHash, config.Labels?[ImageLabels.RecipeHash]);
            Assert.AreEqual("10001:10001", config.User, name);
            StringAssert.StartsWith(image.Comment, ImageLabels.ImportCommentPrefix, name);
            Assert.AreEqual("/workspace", config.WorkingDir, name);
            var environment = config.Env?.ToArray() ?? [];
            CollectionAssert.Contains(environment, "HOME=/tmp", name);
            CollectionAssert.Contains(environment, "LANG=C.UTF-8", name);
            Assert.IsTrue(environment.Any(variable => variable.StartsWith("PATH=", StringComparison.Ordinal)), name);
        }
    }

    [TestMethod]
    public async Task The_dotnet_sdk_image_is_tagged_with_the_host_sdk_version()
    {
        var host = HostDotnetSdk.Locate(Environment.GetEnvironmentVariable, out var searched);
        Assert.IsNotNull(host, searched);

        var outcome = (await RuntimeImages.EnsureBuiltAsync())["dotnet-sdk"];

        Assert.AreEqual($"gadugi/dotnet-sdk:{host.Version}", outcome.Recipe.Reference);
    }
}
