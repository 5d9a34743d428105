using System.CommandLine;
using Gadugi.BuildExec.Cli.Commands.Images;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>gadugi-exec images build|list|prune.</summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var recipes = new Option<DirectoryInfo?>("--recipes")
        {
            Description = "Use the recipes in this folder (layout of images/ in the repository) instead of the built-in ones.",
            HelpName = "DIR",
            Recursive = true,
        };

        var command = new Command("images", "Build, list and prune the sandbox runtime images (gadugi/python, gadugi/node, ...).");
        command.Options.Add(recipes);
        command.Subcommands.Add(CreateBuild(recipes));
        command.Subcommands.Add(CreateList(recipes));
        command.Subcommands.Add(CreatePrune(recipes));
        return command;
    }

    private static Command CreateBuild(Option<DirectoryInfo?> recipes)
    {
        var names = new Argument<string[]>("names") { Arity = ArgumentArity.ZeroOrMore, Description = "Recipes to build (default: all)." };
        var force = new Option<bool>("--force") { Description = "Rebuild and replace even when an image with the current recipe hash exists." };
        var refresh = new Option<bool>("--refresh")
        {
            Description = "Rebuild with the Debian archives' current packages (security updates) even when the recipe is unchanged; the image is replaced only if a package version changed.",
        };
        var build = new Command("build", "Build runtime images from their recipes with mmdebstrap (skipped when an image with the same recipe hash exists). Needs root.");
        build.Arguments.Add(names);
        build.Options.Add(force);
        build.Options.Add(refresh);
        build.SetAction((parseResult, cancellationToken) => CommandErrors.RunAsync(token =>
            new BuildImagesAction(LoadCatalog(parseResult.GetValue(recipes))).RunAsync(
                parseResult.GetValue(names) ?? [],
                parseResult.GetValue(force) ? ImageRebuild.Force : parseResult.GetValue(refresh) ? ImageRebuild.Refresh : ImageRebuild.IfRecipeChanged,
                token),
            cancellationToken));
        return build;
    }

    private static Command CreateList(Option<DirectoryInfo?> recipes)
    {
        var json = CliJson.CreateOption("the images and the recipes with no current image");
        var packageIndex = new Option<DirectoryInfo>("--package-index")
        {
            Description = "apt's package lists to compare the images' packages with (read only; nothing is downloaded).",
            HelpName = "DIR",
            DefaultValueFactory = _ => new DirectoryInfo(PackageIndex.DefaultListsDirectory),
        };
        var list = new Command(
            "list",
            "List the images built from recipes: recipe, hash, current or stale, size, age, and whether the package index on this machine has newer packages.")
        {
            json,
            packageIndex,
        };
        list.SetAction((parseResult, cancellationToken) => CommandErrors.RunAsync(token =>
            new ListImagesAction(LoadCatalog(parseResult.GetValue(recipes)), parseResult.GetValue(packageIndex)!.FullName).RunAsync(parseResult.GetValue(json), token),
            cancellationToken));
        return list;
    }

    private static Command CreatePrune(Option<DirectoryInfo?> recipes)
    {
        var prune = new Command("prune", "Remove images built from outdated recipes and leftovers of replaced builds; images in use are kept.");
        prune.SetAction((parseResult, cancellationToken) => CommandErrors.RunAsync(token =>
            new PruneImagesAction(LoadCatalog(parseResult.GetValue(recipes))).RunAsync(token),
            cancellationToken));
        return prune;
    }

    private static ImageRecipeCatalog LoadCatalog(DirectoryInfo? recipes) =>
        recipes is null ? ImageRecipeCatalog.LoadEmbedded() : ImageRecipeCatalog.LoadFromDirectory(recipes.FullName);
}
