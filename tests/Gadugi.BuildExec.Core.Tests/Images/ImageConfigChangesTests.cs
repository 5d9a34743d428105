using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class ImageConfigChangesTests
{
    [TestMethod]
    public void Images_run_as_the_sandbox_user_in_workspace_with_recipe_labels()
    {
        var recipe = RecipeTrees.Catalog(RecipeTrees.Tree()).Get("shell");

        var changes = ImageConfigChanges.For(recipe);

        CollectionAssert.Contains(changes.ToArray(), "USER 10001:10001");
        CollectionAssert.Contains(changes.ToArray(), "WORKDIR /workspace");
        CollectionAssert.Contains(changes.ToArray(), "ENV HOME=\"/tmp\"");
        CollectionAssert.Contains(changes.ToArray(), "ENV LANG=\"C.UTF-8\"");
        CollectionAssert.Contains(changes.ToArray(), $"ENV PATH=\"{ImageConfigChanges.DefaultPath}\"");
        CollectionAssert.Contains(changes.ToArray(), "LABEL io.gadugi.recipe=\"shell\"");
        CollectionAssert.Contains(changes.ToArray(), $"LABEL io.gadugi.recipe-sha256=\"{recipe.RecipeHash}\"");
        CollectionAssert.Contains(changes.ToArray(), "CMD [\"bash\"]");
    }

    [TestMethod]
    public void Recipe_env_overrides_defaults_in_place_and_appends_the_rest()
    {
        var recipe = RecipeTrees.Catalog(RecipeTrees.Tree()).Get("sdk");

        var environment = ImageConfigChanges.EnvironmentFor(recipe);

        CollectionAssert.AreEqual(
            new[] { "HOME=/tmp", "LANG=C.UTF-8", "PATH=/opt/sdk:/usr/bin:/bin", "DOTNET_NOLOGO=1" },
            environment.Select(pair => $"{pair.Key}={pair.Value}").ToArray());
    }

    [TestMethod]
    public void Quotes_and_backslashes_in_values_are_escaped()
    {
        var files = RecipeTrees.Tree().With("shell/recipe.yaml", RecipeTrees.ShellRecipe.Replace("description: bash", "description: 'say \"hi\" \\ bye'", StringComparison.Ordinal));
        var recipe = RecipeTrees.Catalog(files).Get("shell");

        CollectionAssert.Contains(ImageConfigChanges.For(recipe).ToArray(), "LABEL org.opencontainers.image.description=\"say \\\"hi\\\" \\\\ bye\"");
    }
}
