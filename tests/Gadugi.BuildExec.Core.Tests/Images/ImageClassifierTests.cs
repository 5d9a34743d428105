using Docker.DotNet.Models;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class ImageClassifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);
    private readonly ImageRecipeCatalog catalog = RecipeTrees.Catalog(RecipeTrees.Tree());

    private InventoryState StateOf(string recipe, string hash, string[] tags, TimeSpan? age = null) =>
        new ImageClassifier(catalog, new FixedTime(Now)).Classify(new ImagesListResponse
        {
            ID = "sha256:abc",
            RepoTags = tags,
            Labels = new Dictionary<string, string> { [ImageLabels.Recipe] = recipe, [ImageLabels.RecipeHash] = hash },
            Created = (Now - (age ?? TimeSpan.FromMinutes(5))).UtcDateTime,
        }).State;

    private string CurrentHash(string recipe) => catalog.Get(recipe).RecipeHash;

    [TestMethod]
    public void The_current_recipe_hash_is_current() =>
        Assert.AreEqual(InventoryState.Current, StateOf("shell", CurrentHash("shell"), ["gadugi/shell:5.2"]));

    [TestMethod]
    public void An_older_hash_in_the_recipes_repository_is_stale() =>
        Assert.AreEqual(InventoryState.Stale, StateOf("shell", "0123", ["gadugi/shell:5.1"]));

    [TestMethod]
    public void An_older_hash_in_another_repository_is_left_alone() =>
        Assert.AreEqual(InventoryState.Untracked, StateOf("shell", "0123", ["gadugi-test/shell:5.2"]));

    [TestMethod]
    public void A_recipe_this_catalog_lacks_is_left_alone() =>
        Assert.AreEqual(InventoryState.Untracked, StateOf("ruby", "0123", ["gadugi/ruby:3"]));

    [TestMethod]
    public void An_untagged_image_is_dangling()
    {
        Assert.AreEqual(InventoryState.Dangling, StateOf("shell", CurrentHash("shell"), []));
        Assert.AreEqual(InventoryState.Dangling, StateOf("shell", CurrentHash("shell"), ["<none>:<none>"]));
    }

    [TestMethod]
    public void A_staging_tag_is_left_alone_while_its_build_may_run_and_dangling_after()
    {
        string[] staging = [$"gadugi/shell:{ImageClassifier.StagingTagPrefix}0123-abcd"];

        Assert.AreEqual(InventoryState.Untracked, StateOf("shell", "0123", staging, TimeSpan.FromMinutes(10)));
        Assert.AreEqual(InventoryState.Dangling, StateOf("shell", "0123", staging, TimeSpan.FromHours(2)));
    }

    [TestMethod]
    public void A_recipe_that_cannot_be_resolved_here_is_left_alone()
    {
        var noSdk = ImageRecipeCatalog.Create(RecipeTrees.Tree(), "test recipes", new HostRecipeInputs(_ => null, []));
        var image = new ImagesListResponse
        {
            ID = "sha256:abc",
            RepoTags = ["gadugi/sdk:10.0.100"],
            Labels = new Dictionary<string, string> { [ImageLabels.Recipe] = "sdk", [ImageLabels.RecipeHash] = "0123" },
        };

        Assert.AreEqual(InventoryState.Untracked, new ImageClassifier(noSdk, TimeProvider.System).Classify(image).State);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
