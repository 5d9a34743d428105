using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class ImageRecipeCatalogTests
{
    private static readonly string[] ShippedRecipes = ["dotnet-sdk", "multi", "node", "python", "shell"];

    [TestMethod]
    public void The_embedded_catalog_holds_the_shipped_recipes()
    {
        var catalog = ImageRecipeCatalog.LoadEmbedded(new RecipeTrees.FakeInputs("10.0.401", "sdks=10.0.401"));

        CollectionAssert.AreEqual(ShippedRecipes, catalog.Names.ToArray());
        Assert.AreEqual("gadugi/python:3.11", catalog.Get("python").Reference);
        Assert.AreEqual("gadugi/node:18", catalog.Get("node").Reference);
        Assert.AreEqual("gadugi/shell:5.2", catalog.Get("shell").Reference);
        Assert.AreEqual("gadugi/multi:py3.11-node18", catalog.Get("multi").Reference);
        Assert.AreEqual("gadugi/dotnet-sdk:10.0.401", catalog.Get("dotnet-sdk").Reference);
    }

    [TestMethod]
    public void Embedded_recipes_hash_like_the_images_folder_they_were_built_from()
    {
        var inputs = new RecipeTrees.FakeInputs("10.0.401", "sdks=10.0.401");
        var embedded = ImageRecipeCatalog.LoadEmbedded(inputs);
        var onDisk = ImageRecipeCatalog.LoadFromDirectory(RepositoryImagesFolder(), inputs);

        foreach (var name in ShippedRecipes)
        {
            Assert.AreEqual(onDisk.Get(name).RecipeHash, embedded.Get(name).RecipeHash, name);
        }
    }

    [TestMethod]
    public void Every_recipe_ships_the_common_files_and_hardens_last()
    {
        var catalog = ImageRecipeCatalog.LoadEmbedded(new RecipeTrees.FakeInputs("10.0.401", "sdks=10.0.401"));

        foreach (var recipe in catalog.GetAll())
        {
            Assert.IsTrue(recipe.Files.Any(file => file.Path == "common/harden.sh"), recipe.Name);
            Assert.IsTrue(recipe.Files.Any(file => file.Path == $"{recipe.Name}/recipe.yaml"), recipe.Name);
            Assert.IsFalse(recipe.Files.Any(file => file.Folder != "common" && file.Folder != recipe.Name), recipe.Name);
        }
    }

    [TestMethod]
    public void An_unknown_name_is_rejected_with_the_known_names()
    {
        var catalog = RecipeTrees.Catalog(RecipeTrees.Tree());

        var error = Assert.ThrowsExactly<GadugiException>(() => catalog.Get("pyhton"));

        Assert.AreEqual("GBX1101", error.Code);
        StringAssert.Contains(error.Message, "'pyhton'");
        StringAssert.Contains(error.Message, "Known recipes: sdk, shell");
        StringAssert.Contains(error.Message, "--recipes");
    }

    [TestMethod]
    public void Lookups_return_the_same_resolved_recipe()
    {
        var catalog = RecipeTrees.Catalog(RecipeTrees.Tree());

        Assert.AreSame(catalog.Get("sdk"), catalog.Get("sdk"));
        Assert.IsTrue(catalog.Contains("shell"));
        Assert.IsFalse(catalog.Contains("common"));
    }

    [TestMethod]
    public void A_failing_input_fails_only_the_recipe_that_needs_it()
    {
        var catalog = ImageRecipeCatalog.Create(RecipeTrees.Tree(), "test recipes", new HostRecipeInputs(_ => null, []));

        Assert.AreEqual("gadugi/shell:5.2", catalog.Get("shell").Reference);
        var error = Assert.ThrowsExactly<GadugiException>(() => catalog.Get("sdk"));
        Assert.AreEqual("GBX1105", error.Code);
        StringAssert.Contains(error.Message, "'sdk'");
        StringAssert.Contains(error.Message, "DOTNET_ROOT");
    }

    [TestMethod]
    [DataRow("common/harden.sh", "common/harden.sh")]
    [DataRow("common/sources.list", "common/sources.list")]
    public void A_tree_without_a_common_file_is_rejected(string missing, string named)
    {
        var files = RecipeTrees.Tree().Where(file => file.Path != missing);

        var error = Assert.ThrowsExactly<GadugiException>(() => RecipeTrees.Catalog([.. files]));

        Assert.AreEqual("GBX1103", error.Code);
        StringAssert.Contains(error.Message, named);
    }

    [TestMethod]
    public void A_folder_without_recipe_yaml_is_rejected()
    {
        var files = RecipeTrees.Tree(RecipeTrees.File("stray/notes.txt", "x"));

        var error = Assert.ThrowsExactly<GadugiException>(() => RecipeTrees.Catalog(files));

        Assert.AreEqual("GBX1103", error.Code);
        StringAssert.Contains(error.Message, "'stray' has no recipe.yaml");
    }

    [TestMethod]
    public void A_missing_recipe_folder_is_rejected()
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => ImageRecipeCatalog.LoadFromDirectory("/nonexistent/gadugi-recipes"));

        Assert.AreEqual("GBX1103", error.Code);
        StringAssert.Contains(error.Message, "/nonexistent/gadugi-recipes");
    }

    [TestMethod]
    public void A_directory_skips_top_level_files_and_dot_files()
    {
        var root = Directory.CreateTempSubdirectory("gadugi-recipes-").FullName;
        try
        {
            foreach (var file in RecipeTrees.Tree())
            {
                var path = Path.Combine(root, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, file.Content.ToArray());
            }

            File.WriteAllText(Path.Combine(root, "README.md"), "docs");
            File.WriteAllText(Path.Combine(root, "shell", ".recipe.yaml.swp"), "editor");

            var fromDisk = ImageRecipeCatalog.LoadFromDirectory(root, new RecipeTrees.FakeInputs("10.0.401", "sdks=10.0.401"));

            Assert.AreEqual(RecipeTrees.Catalog(RecipeTrees.Tree()).Get("shell").RecipeHash, fromDisk.Get("shell").RecipeHash);
            StringAssert.StartsWith(fromDisk.Origin, root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    internal static string RepositoryImagesFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Gadugi.BuildExec.sln")))
            {
                return Path.Combine(folder.FullName, "images");
            }
        }

        throw new InvalidOperationException("The repository root (Gadugi.BuildExec.sln) is not above the test binaries.");
    }
}
