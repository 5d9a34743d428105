using System.Globalization;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;
using Spectre.Console;

namespace Gadugi.BuildExec.Cli.Commands.Images;

/// <summary>gadugi-exec images list: every image built from a recipe, then the recipes with no current image.</summary>
internal sealed class ListImagesAction(ImageRecipeCatalog catalog)
{
    public async Task<int> RunAsync(bool asJson, CancellationToken cancellationToken)
    {
        using var engine = await ImageEngine.ConnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var images = await new ImageInventory(engine.Client, catalog).ListAsync(cancellationToken).ConfigureAwait(false);
        var missing = catalog.Names.Where(name => !images.Any(image => image.Recipe == name && image.State == InventoryState.Current)).ToList();
        if (asJson)
        {
            CliJson.Write(new
            {
                Images = images.Select(image => new { image.Tags, image.Id, image.Recipe, State = image.State.ToString().ToLowerInvariant(), image.RecipeHash, image.SizeBytes, image.Created }),
                NotCurrent = missing,
            });
            return 0;
        }

        var console = StandardOutput.Create();
        var table = new Table().Border(StandardOutput.IsInteractive ? TableBorder.Simple : TableBorder.None)
            .AddColumns("IMAGE", "RECIPE", "STATE", "RECIPE HASH", "SIZE", "CREATED");
        foreach (var image in images)
        {
            table.AddRow(
                Markup.Escape(image.Tags.Count == 0 ? $"<none> ({image.Id.Replace("sha256:", string.Empty, StringComparison.Ordinal)[..12]})" : string.Join(", ", image.Tags)),
                Markup.Escape(image.Recipe),
                StateMarkup(image.State),
                Markup.Escape(image.RecipeHash.Length >= 12 ? image.RecipeHash[..12] : image.RecipeHash),
                Size.Format(image.SizeBytes),
                image.Created.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        }

        console.Write(table);

        if (missing.Count > 0)
        {
            console.MarkupLine(Markup.Escape($"Not built from the current recipe: {string.Join(", ", missing)}. Run 'gadugi-exec images build {string.Join(' ', missing)}'."));
        }

        if (images.Any(image => image.State is InventoryState.Stale or InventoryState.Dangling))
        {
            console.MarkupLine("Outdated images can be removed with 'gadugi-exec images prune'.");
        }

        return 0;
    }

    private static string StateMarkup(InventoryState state) => state switch
    {
        InventoryState.Current => "[green]current[/]",
        InventoryState.Stale => "[yellow]stale[/]",
        InventoryState.Dangling => "[yellow]dangling[/]",
        _ => "[grey]untracked[/]",
    };
}
