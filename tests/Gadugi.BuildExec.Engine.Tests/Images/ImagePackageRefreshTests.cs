using System.Text.Json;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>
/// Security updates for runtime images, as a user meets them: 'images list' compares the packages an
/// image recorded with the apt index on this machine, and 'images build --refresh' rebuilds with the
/// archives' current packages although the recipe is unchanged.
/// </summary>
[TestClass]
public sealed class ImagePackageRefreshTests
{
    private const string AptLists = PackageIndex.DefaultListsDirectory;

    /// <summary>
    /// The image that is "months old" is real: the shared gadugi/shell content committed under a
    /// gadugi-test/ name with the scratch recipe's hash and a recorded manifest whose bash and
    /// coreutils are older than any bookworm release, labelled exactly as the builder labels.
    /// One real build follows (the refresh).
    /// </summary>
    [TestMethod]
    public async Task An_image_with_older_packages_than_the_index_is_reported_and_refresh_rebuilds_it_with_the_current_ones()
    {
        using var scratch = ScratchRecipes.Create("shell");
        var recipe = scratch.Load().Get("shell");
        var (index, missing) = await PackageIndex.LoadAsync(AptLists, MmdebstrapArguments.SourcesFor(recipe), "amd64", CancellationToken.None);
        if (index is null)
        {
            Assert.Inconclusive($"no apt index for the recipe's archives on this machine ({missing}); 'apt-get update' makes one");
        }

        using var engine = await EngineConnection.ConnectAsync();
        var old = PackageManifest.Parse("bash\t5.0-1\tamd64\ncoreutils\t8.0-1\tamd64\n");
        var oldId = await CommitAsOurBuildAsync(engine, recipe, old);
        try
        {
            var listed = await ListJsonAsync(scratch.Root, AptLists, recipe.Reference);
            var packages = listed.GetProperty("packages");
            Assert.AreEqual("newer_available", packages.GetProperty("state").GetString(), listed.ToString());
            Assert.AreEqual(old.Digest, packages.GetProperty("digest").GetString());
            var newer = packages.GetProperty("newer").EnumerateArray().ToDictionary(update => update.GetProperty("name").GetString()!, update => update);
            Assert.AreEqual("5.0-1", newer["bash"].GetProperty("installed").GetString());
            Assert.AreEqual(index.NewestVersion("bash"), newer["bash"].GetProperty("available").GetString());
            Assert.IsTrue(newer.ContainsKey("coreutils"));
            Assert.AreEqual("current", listed.GetProperty("state").GetString(), "the recipe did not change: only the packages are old");

            var (textExit, text, textErrors) = await ImagesCliTests.GadugiExecAsync("images", "list", "--recipes", scratch.Root, "--package-index", AptLists);
            Assert.AreEqual(0, textExit, textErrors);
            StringAssert.Contains(Row(text, recipe.Reference), "2 newer (bash, coreutils)");
            StringAssert.Contains(text, $"Run 'sudo gadugi-exec images build --refresh shell'.");

            var (exitCode, stdout, stderr) = await ImagesCliTests.GadugiExecAsync("images", "build", "shell", "--refresh", "--recipes", scratch.Root);

            Assert.AreEqual(0, exitCode, stderr + stdout);
            StringAssert.Contains(stdout, $"shell: {recipe.Reference} built in ");
            StringAssert.Contains(stdout, "bash 5.0-1 -> ");
            var refreshed = await engine.Client.Images.InspectImageAsync(recipe.Reference);
            Assert.AreNotEqual(oldId, refreshed.ID, "a refresh with changed packages makes a new image");
            Assert.IsFalse(await TestImages.ExistsAsync(engine.Client, oldId), "the replaced image is removed");
            var labels = refreshed.Config?.Labels ?? throw new AssertFailedException("the image has no labels");
            Assert.AreEqual(recipe.RecipeHash, labels[ImageLabels.RecipeHash]);
            var recorded = PackageManifest.FromLabels(labels);
            Assert.IsNotNull(recorded);
            Assert.AreEqual(recorded.Digest, labels[ImageLabels.PackagesDigest]);
            Assert.AreNotEqual("5.0-1", recorded.Packages.Single(package => package.Name == "bash").Version);
            var inImage = await ContainerProbe.RunAsync(engine.Client, refreshed.ID, ["cat", "/" + PackageManifest.PathInImage]);
            Assert.AreEqual(0L, inImage.ExitCode, inImage.ToString());
            Assert.AreEqual(recorded.Text, PackageManifest.Parse(inImage.Stdout).Text, "the manifest in the image is the one in the labels");

            var after = await ListJsonAsync(scratch.Root, AptLists, recipe.Reference);
            var stillNewer = after.GetProperty("packages").GetProperty("newer").EnumerateArray().Select(update => update.GetProperty("name").GetString()).ToList();
            CollectionAssert.DoesNotContain(stillNewer, "bash", after.ToString());
            CollectionAssert.DoesNotContain(stillNewer, "coreutils");
        }
        finally
        {
            await TestImages.RemoveAsync(engine.Client, recipe.Reference, oldId);
        }
    }

    [TestMethod]
    public async Task Without_a_package_index_list_says_unknown_and_succeeds()
    {
        using var scratch = ScratchRecipes.Create("shell");
        var recipe = scratch.Load().Get("shell");
        using var engine = await EngineConnection.ConnectAsync();
        var id = await CommitAsOurBuildAsync(engine, recipe, PackageManifest.Parse("bash\t5.0-1\tamd64\n"));
        var noIndex = Directory.CreateTempSubdirectory("gadugi-test-no-lists-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await ImagesCliTests.GadugiExecAsync("images", "list", "--recipes", scratch.Root, "--package-index", noIndex);

            Assert.AreEqual(0, exitCode, stderr);
            StringAssert.Contains(Row(stdout, recipe.Reference), "unknown (no package index)");
            StringAssert.Contains(stdout, "Packages unknown (no package index): no " + Path.Combine(noIndex, "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"));
            var json = await ListJsonAsync(scratch.Root, noIndex, recipe.Reference);
            Assert.AreEqual("unknown", json.GetProperty("packages").GetProperty("state").GetString());
            Assert.AreEqual("no package index", json.GetProperty("packages").GetProperty("reason").GetString());
        }
        finally
        {
            Directory.Delete(noIndex);
            await TestImages.RemoveAsync(engine.Client, recipe.Reference, id);
        }
    }

    /// <summary>Commits the shared shell image's content as <paramref name="recipe"/>'s image, with the labels and import comment a build gives it.</summary>
    private static async Task<string> CommitAsOurBuildAsync(EngineConnection engine, ImageRecipe recipe, PackageManifest packages)
    {
        var created = await engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = await RuntimeImages.ImageIdAsync("shell"),
            Cmd = ["true"],
            Labels = new Dictionary<string, string> { [ContainerProbe.TestLabel] = "images" },
        });
        try
        {
            var separator = recipe.Reference.LastIndexOf(':');
            var committed = await engine.Client.Images.CommitContainerChangesAsync(new CommitContainerChangesParameters
            {
                ContainerID = created.ID,
                RepositoryName = recipe.Reference[..separator],
                Tag = recipe.Reference[(separator + 1)..],
                Comment = $"{ImageLabels.ImportCommentPrefix}: {recipe.Name} {recipe.RecipeHash}",
                Labels = new Dictionary<string, string>
                {
                    [ImageLabels.Recipe] = recipe.Name,
                    [ImageLabels.RecipeHash] = recipe.RecipeHash,
                    [ImageLabels.Packages] = packages.LabelValue,
                    [ImageLabels.PackagesDigest] = packages.Digest,
                },
            });
            return (await engine.Client.Images.InspectImageAsync(committed.ID)).ID;
        }
        finally
        {
            await engine.Client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
        }
    }

    private static async Task<JsonElement> ListJsonAsync(string recipes, string packageIndex, string reference)
    {
        var (exitCode, stdout, stderr) = await ImagesCliTests.GadugiExecAsync("images", "list", "--json", "--recipes", recipes, "--package-index", packageIndex);
        Assert.AreEqual(0, exitCode, stderr);
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.GetProperty("images").EnumerateArray()
            .Single(image => image.GetProperty("tags").EnumerateArray().Any(tag => tag.GetString() == reference)).Clone();
    }

    private static string Row(string table, string reference) =>
        table.Split('\n').SingleOrDefault(line => line.Contains(reference, StringComparison.Ordinal)) ?? throw new AssertFailedException($"{reference} is not listed:\n{table}");
}
