using System.Formats.Tar;
using System.Text;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Images;

[TestClass]
public sealed class ImageInventoryTests
{
    /// <summary>Imports a one-file image labelled as built from <paramref name="recipe"/> with <paramref name="hash"/>.</summary>
    private static async Task<string> ImportLabelledAsync(EngineConnection engine, string? repository, string? tag, string recipe, string hash, bool byBuilder = true)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "hello.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString())) };
            await writer.WriteEntryAsync(entry);
        }

        tar.Position = 0;
        string? id = null;
        await engine.Client.Images.CreateImageAsync(
            new ImagesCreateParameters
            {
                FromSrc = "-",
                Message = byBuilder ? $"{ImageLabels.ImportCommentPrefix}: {recipe} {hash}" : "built FROM a gadugi image",
                Repo = repository,
                Tag = tag,
                Changes = [$"LABEL {ImageLabels.Recipe}={recipe}", $"LABEL {ImageLabels.RecipeHash}={hash}"],
            },
            tar,
            null,
            new SynchronousProgress<JSONMessage>(message => id = message.Status?.StartsWith("sha256:", StringComparison.Ordinal) == true ? message.Status : id),
            CancellationToken.None);
        Assert.IsNotNull(id, "the import reported no image id");
        return id;
    }

    [TestMethod]
    public async Task Prune_removes_stale_and_dangling_images_of_the_catalog_and_nothing_else()
    {
        using var scratch = ScratchRecipes.Create("shell");
        var catalog = scratch.Load();
        var recipe = catalog.Get("shell");
        using var engine = await EngineConnection.ConnectAsync();
        var stale = await ImportLabelledAsync(engine, recipe.Repository, "old", "shell", new string('0', 64));
        var current = await ImportLabelledAsync(engine, recipe.Repository, recipe.Tag, "shell", recipe.RecipeHash);
        var dangling = await ImportLabelledAsync(engine, null, null, "shell", new string('1', 64));
        var foreign = await ImportLabelledAsync(engine, "gadugi-test/other-repository", scratch.Tag, "shell", new string('2', 64));
        var derived = await ImportLabelledAsync(engine, null, null, "shell", new string('3', 64), byBuilder: false);
        try
        {
            var inventory = new ImageInventory(engine.Client, catalog);
            var listed = (await inventory.ListAsync(CancellationToken.None)).ToDictionary(image => image.Id);

            Assert.AreEqual(InventoryState.Stale, listed[stale].State);
            Assert.AreEqual(InventoryState.Current, listed[current].State);
            Assert.AreEqual(InventoryState.Dangling, listed[dangling].State);
            Assert.AreEqual(InventoryState.Untracked, listed[foreign].State);
            CollectionAssert.AreEqual(new[] { recipe.Reference }, listed[current].Tags.ToArray());
            Assert.IsFalse(listed.ContainsKey(derived), "an image built FROM ours inherits the labels but is not ours");

            var report = await inventory.PruneAsync(CancellationToken.None);
            var removed = report.Removed.Select(image => image.Id).ToList();

            CollectionAssert.Contains(removed, stale);
            CollectionAssert.Contains(removed, dangling);
            CollectionAssert.DoesNotContain(removed, current);
            CollectionAssert.DoesNotContain(removed, foreign);
            Assert.IsFalse(await TestImages.ExistsAsync(engine.Client, stale));
            Assert.IsFalse(await TestImages.ExistsAsync(engine.Client, dangling));
            Assert.IsTrue(await TestImages.ExistsAsync(engine.Client, current));
            Assert.IsTrue(await TestImages.ExistsAsync(engine.Client, foreign));
            Assert.IsTrue(await TestImages.ExistsAsync(engine.Client, derived), "someone else's dangling image must survive");
            Assert.IsFalse(report.Removed.Any(image => image.Tags.Any(tag => tag.StartsWith("gadugi/", StringComparison.Ordinal))), "the shipped images are not this catalog's");
        }
        finally
        {
            await TestImages.RemoveAsync(engine.Client, stale, current, dangling, foreign, derived);
        }
    }

    [TestMethod]
    public async Task An_image_in_use_is_kept_with_the_reason()
    {
        using var scratch = ScratchRecipes.Create("shell");
        var catalog = scratch.Load();
        var recipe = catalog.Get("shell");
        using var engine = await EngineConnection.ConnectAsync();
        var stale = await ImportLabelledAsync(engine, recipe.Repository, "in-use", "shell", new string('0', 64));
        var container = await engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = stale,
            Cmd = ["/hello.txt"],
            Labels = new Dictionary<string, string> { [ContainerProbe.TestLabel] = "images" },
        });
        try
        {
            var report = await new ImageInventory(engine.Client, catalog).PruneAsync(CancellationToken.None);

            var kept = report.Kept.Single(entry => entry.Image.Id == stale);
            StringAssert.Contains(kept.Reason, "container");
            Assert.IsTrue(await TestImages.ExistsAsync(engine.Client, stale));
        }
        finally
        {
            await engine.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            await TestImages.RemoveAsync(engine.Client, stale);
        }
    }
}
