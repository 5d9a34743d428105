using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>
/// A temporary recipe folder holding common/ and copies of chosen shipped recipes, moved into a
/// gadugi-test/ repository with a per-run tag so tests never touch the real gadugi/* images.
/// </summary>
internal sealed class ScratchRecipes : IDisposable
{
    private ScratchRecipes(string root, string tag)
    {
        Root = root;
        Tag = tag;
    }

    public string Root { get; }

    /// <summary>The tag every copied recipe gets, unique to this folder.</summary>
    public string Tag { get; }

    public static ScratchRecipes Create(params string[] recipes)
    {
        var root = Directory.CreateTempSubdirectory("gadugi-test-recipes-").FullName;
        var scratch = new ScratchRecipes(root, "t" + Guid.NewGuid().ToString("N")[..10]);
        foreach (var file in RecipeFiles.Embedded().Where(file => file.Folder == "common" || recipes.Contains(file.Folder)))
        {
            var path = Path.Combine(root, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Content.ToArray());
        }

        foreach (var recipe in recipes)
        {
            scratch.Edit(recipe, yaml => Replace(
                Replace(yaml, "repository: gadugi/", "repository: gadugi-test/"),
                System.Text.RegularExpressions.Regex.Match(yaml, "^tag: .*$", System.Text.RegularExpressions.RegexOptions.Multiline, TimeSpan.FromSeconds(1)).Value,
                $"tag: {scratch.Tag}"));
        }

        return scratch;
    }

    /// <summary>Rewrites a recipe's recipe.yaml.</summary>
    public void Edit(string recipe, Func<string, string> change)
    {
        var path = Path.Combine(Root, recipe, ImageRecipeCatalog.RecipeFileName);
        File.WriteAllText(path, change(File.ReadAllText(path)));
    }

    public ImageRecipeCatalog Load() => ImageRecipeCatalog.LoadFromDirectory(Root);

    /// <summary>Replaces text that must be present, so an edit can never silently do nothing.</summary>
    public static string Replace(string text, string oldValue, string newValue)
    {
        Assert.Contains(oldValue, text, $"the recipe no longer contains '{oldValue}'");
        return text.Replace(oldValue, newValue, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
