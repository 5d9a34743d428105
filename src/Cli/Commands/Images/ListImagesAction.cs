using System.Globalization;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;
using Spectre.Console;

namespace Gadugi.BuildExec.Cli.Commands.Images;

/// <summary>
/// gadugi-exec images list: every image built from a recipe with its age and whether the package
/// index on this machine offers newer versions of its packages, then the recipes with no current image.
/// </summary>
internal sealed class ListImagesAction(ImageRecipeCatalog catalog, string packageIndexDirectory)
{
    public async Task<int> RunAsync(bool asJson, CancellationToken cancellationToken)
    {
        using var engine = await ImageEngine.ConnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var images = await new ImageInventory(engine.Client, catalog).ListAsync(cancellationToken).ConfigureAwait(false);
        var checker = new PackageFreshnessChecker(catalog, packageIndexDirectory);
        var freshness = new List<PackageFreshness>();
        foreach (var image in images)
        {
            freshness.Add(await checker.CheckAsync(image.Recipe, image.Packages, cancellationToken).ConfigureAwait(false));
        }

        var now = DateTime.UtcNow;
        var missing = catalog.Names.Where(name => !images.Any(image => image.Recipe == name && image.State == InventoryState.Current)).ToList();
        var outdated = images.Zip(freshness).Where(pair => pair.First.State == InventoryState.Current && pair.Second.State == PackageFreshnessState.NewerAvailable)
            .Select(pair => pair.First.Recipe).Distinct(StringComparer.Ordinal).ToList();
        if (asJson)
        {
            CliJson.Write(new
            {
                Images = images.Zip(freshness).Select(pair => new
                {
                    pair.First.Tags,
                    pair.First.Id,
                    pair.First.Recipe,
                    State = pair.First.State.ToString().ToLowerInvariant(),
                    pair.First.RecipeHash,
                    pair.First.SizeBytes,
                    pair.First.Created,
                    AgeDays = Math.Round((now - pair.First.Created.ToUniversalTime()).TotalDays, 2),
                    Packages = new
                    {
                        State = pair.Second.State,
                        pair.Second.Summary,
                        pair.Second.Reason,
                        pair.Second.Detail,
                        Count = pair.First.Packages?.Packages.Count,
                        Digest = pair.First.Packages?.Digest,
                        IndexUpdated = pair.Second.IndexUpdated,
                        Newer = pair.Second.Updates,
                    },
                }),
                NotCurrent = missing,
                NewerPackages = outdated,
            });
            return 0;
        }

        var console = StandardOutput.Create();
        var table = new Table().Border(StandardOutput.IsInteractive ? TableBorder.Simple : TableBorder.None)
            .AddColumns("IMAGE", "RECIPE", "STATE", "RECIPE HASH", "SIZE", "CREATED", "AGE", "PACKAGES");
        foreach (var (image, packages) in images.Zip(freshness))
        {
            table.AddRow(
                Markup.Escape(image.Tags.Count == 0 ? $"<none> ({image.Id.Replace("sha256:", string.Empty, StringComparison.Ordinal)[..12]})" : string.Join(", ", image.Tags)),
                Markup.Escape(image.Recipe),
                StateMarkup(image.State),
                Markup.Escape(image.RecipeHash.Length >= 12 ? image.RecipeHash[..12] : image.RecipeHash),
                Size.Format(image.SizeBytes),
                image.Created.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                Age(now - image.Created.ToUniversalTime()),
                PackagesMarkup(packages));
        }

        console.Write(table);

        if (missing.Count > 0)
        {
            console.MarkupLine(Markup.Escape($"Not built from the current recipe: {string.Join(", ", missing)}. Run 'gadugi-exec images build {string.Join(' ', missing)}'."));
        }

        if (outdated.Count > 0)
        {
            console.MarkupLine(Markup.Escape($"Newer packages (security updates) exist for: {string.Join(", ", outdated)}. Run 'sudo gadugi-exec images build --refresh {string.Join(' ', outdated)}'."));
        }

        if (freshness.FirstOrDefault(packages => packages.State == PackageFreshnessState.Unknown && packages.Detail is not null) is { } unknown)
        {
            console.MarkupLine(Markup.Escape($"Packages {unknown.Summary}: {unknown.Detail}."));
        }

        if (images.Any(image => image.State is InventoryState.Stale or InventoryState.Dangling))
        {
            console.MarkupLine("Outdated images can be removed with 'gadugi-exec images prune'.");
        }

        return 0;
    }

    internal static string Age(TimeSpan age) => age switch
    {
        { TotalDays: >= 2 } => $"{(int)age.TotalDays} days",
        { TotalHours: >= 2 } => $"{(int)age.TotalHours} hours",
        { TotalMinutes: >= 1 } => $"{(int)age.TotalMinutes} min",
        _ => "just now",
    };

    private static string PackagesMarkup(PackageFreshness packages) => packages.State switch
    {
        PackageFreshnessState.UpToDate => $"[green]{Markup.Escape(packages.Summary)}[/]",
        PackageFreshnessState.NewerAvailable => $"[yellow]{Markup.Escape(packages.Summary)}[/]",
        _ => $"[grey]{Markup.Escape(packages.Summary)}[/]",
    };

    private static string StateMarkup(InventoryState state) => state switch
    {
        InventoryState.Current => "[green]current[/]",
        InventoryState.Stale => "[yellow]stale[/]",
        InventoryState.Dangling => "[yellow]dangling[/]",
        _ => "[grey]untracked[/]",
    };
}
