using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Images;

[TestClass]
public sealed class RecipeChangeTests
{
    [TestMethod]
    public async Task An_unchanged_recipe_is_cached_a_changed_one_is_rebuilt_with_its_new_hash_and_the_old_image_removed()
    {
        using var scratch = ScratchRecipes.Create("shell");
        using var engine = await EngineConnection.ConnectAsync();
        var builder = new ImageBuilder(engine.Client);
        var original = scratch.Load().Get("shell");
        var ids = new List<string>();
        try
        {
            var first = await builder.BuildAsync(original, force: false, progress: null, CancellationToken.None);
            ids.Add(first.ImageId);
            var again = await builder.BuildAsync(scratch.Load().Get("shell"), force: false, progress: null, CancellationToken.None);

            scratch.Edit("shell", yaml => ScratchRecipes.Replace(yaml, "  - coreutils\n", "  - coreutils\n  - xz-utils\n"));
            var changed = scratch.Load().Get("shell");
            var rebuilt = await builder.BuildAsync(changed, force: false, progress: null, CancellationToken.None);
            ids.Add(rebuilt.ImageId);

            Assert.AreEqual(ImageBuildStatus.Built, first.Status);
            Assert.AreEqual(ImageBuildStatus.Cached, again.Status);
            Assert.AreEqual(first.ImageId, again.ImageId);
            Assert.AreEqual(original.Reference, changed.Reference);
            Assert.AreNotEqual(original.RecipeHash, changed.RecipeHash);
            Assert.AreEqual(ImageBuildStatus.Built, rebuilt.Status);
            Assert.AreNotEqual(first.ImageId, rebuilt.ImageId);

            var image = await engine.Client.Images.InspectImageAsync(changed.Reference);
            Assert.AreEqual(rebuilt.ImageId, image.ID);
            Assert.AreEqual(changed.RecipeHash, image.Config?.Labels?[ImageLabels.RecipeHash]);
            Assert.IsFalse(await TestImages.ExistsAsync(engine.Client, first.ImageId), "the replaced image should be removed");
            var xz = await ContainerProbe.RunAsync(engine.Client, rebuilt.ImageId, ["xz", "--version"]);
            Assert.AreEqual(0L, xz.ExitCode, xz.ToString());

            var tags = (await TestImages.InRepositoryAsync(engine.Client, original.Repository)).SelectMany(listed => listed.RepoTags ?? []).ToList();
            CollectionAssert.AreEqual(new[] { changed.Reference }, tags, "no staging tag may remain");
        }
        finally
        {
            await TestImages.RemoveAsync(engine.Client, [original.Reference, .. ids]);
        }
    }
}
