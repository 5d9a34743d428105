using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class RecipeHashTests
{
    private static string HashOf(List<RecipeFile> files, string recipe = "shell", string sdkVersion = "10.0.401") =>
        RecipeTrees.Catalog(files, sdkVersion).Get(recipe).RecipeHash;

    [TestMethod]
    public void The_hash_is_lowercase_hex_sha256()
    {
        var hash = HashOf(RecipeTrees.Tree());

        Assert.AreEqual(64, hash.Length);
        Assert.IsTrue(hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'), hash);
    }

    [TestMethod]
    public void The_same_files_in_another_order_hash_the_same()
    {
        var files = RecipeTrees.Tree();
        var reversed = Enumerable.Reverse(files).ToList();

        Assert.AreEqual(HashOf(files), HashOf(reversed));
    }

    [TestMethod]
    public void Crlf_checkouts_hash_like_lf_checkouts()
    {
        var lf = RecipeTrees.Tree();
        var crlf = lf.With("shell/recipe.yaml", RecipeTrees.ShellRecipe.Replace("\n", "\r\n", StringComparison.Ordinal))
            .With("common/harden.sh", "#!/bin/sh\r\necho harden\r\n");

        Assert.AreEqual(HashOf(lf), HashOf(crlf));
    }

    [TestMethod]
    public void Adding_a_package_changes_the_hash()
    {
        var files = RecipeTrees.Tree();
        var changed = files.With("shell/recipe.yaml", RecipeTrees.ShellRecipe.Replace("  - coreutils", "  - coreutils\n  - xz-utils", StringComparison.Ordinal));

        Assert.AreNotEqual(HashOf(files), HashOf(changed));
    }

    [TestMethod]
    public void Changing_a_hook_or_adding_a_file_changes_only_that_recipe()
    {
        var files = RecipeTrees.Tree();
        var hookChanged = files.With("sdk/copy.sh", "cp -a \"$GADUGI_DOTNET_ROOT\" \"$1/usr/share/dotnet\"\n");
        var fileAdded = files.With("sdk/notes.txt", "extra");

        Assert.AreNotEqual(HashOf(files, "sdk"), HashOf(hookChanged, "sdk"));
        Assert.AreNotEqual(HashOf(files, "sdk"), HashOf(fileAdded, "sdk"));
        Assert.AreNotEqual(HashOf(hookChanged, "sdk"), HashOf(fileAdded, "sdk"));
        Assert.AreEqual(HashOf(files, "shell"), HashOf(hookChanged, "shell"));
    }

    [TestMethod]
    public void Changing_common_changes_every_recipe()
    {
        var files = RecipeTrees.Tree();
        var changed = files.With("common/harden.sh", "#!/bin/sh\necho harden more\n");

        Assert.AreNotEqual(HashOf(files, "shell"), HashOf(changed, "shell"));
        Assert.AreNotEqual(HashOf(files, "sdk"), HashOf(changed, "sdk"));
    }

    [TestMethod]
    public void Another_host_sdk_changes_only_recipes_that_take_it()
    {
        var files = RecipeTrees.Tree();

        Assert.AreNotEqual(HashOf(files, "sdk", "10.0.401"), HashOf(files, "sdk", "10.0.402"));
        Assert.AreEqual(HashOf(files, "shell", "10.0.401"), HashOf(files, "shell", "10.0.402"));
    }

    [TestMethod]
    public void Moving_bytes_between_a_path_and_its_content_changes_the_hash()
    {
        var a = RecipeHasher.Compute([RecipeTrees.File("x/ab", "c")], []);
        var b = RecipeHasher.Compute([RecipeTrees.File("x/a", "bc")], []);

        Assert.AreNotEqual(a, b);
    }

    [TestMethod]
    public void The_hash_format_is_stable_across_releases_and_machines()
    {
        // Changing this value invalidates every image users have built: do it only on purpose.
        // (Computed independently: sha256 over "len:bytes" parts, see RecipeHasher.)
        var hash = RecipeHasher.Compute(
            [RecipeTrees.File("common/harden.sh", "echo hi\n"), RecipeTrees.File("shell/recipe.yaml", "name: shell\n")],
            [new RecipeInput("dotnet-sdk", "10.0.401", "sdks=10.0.401", new Dictionary<string, string>())]);

        Assert.AreEqual("751123371f9d5a7d47f01ada282c85c4fc8ed170d81571bbecfcad301d043d92", hash);
    }
}
