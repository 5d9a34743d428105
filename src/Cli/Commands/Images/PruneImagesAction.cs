using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Cli.Commands.Images;

/// <summary>gadugi-exec images prune: removes stale and dangling recipe images, reports those kept.</summary>
internal sealed class PruneImagesAction(ImageRecipeCatalog catalog)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var engine = await ImageEngine.ConnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var report = await new ImageInventory(engine.Client, catalog).PruneAsync(cancellationToken).ConfigureAwait(false);
        foreach (var image in report.Removed)
        {
            Console.WriteLine($"removed {Name(image)} ({image.State.ToString().ToLowerInvariant()}, recipe {image.Recipe}, {Size.Format(image.SizeBytes)})");
        }

        foreach (var (image, reason) in report.Kept)
        {
            Console.WriteLine($"kept {Name(image)}: {reason}");
        }

        var freed = report.Removed.Sum(image => image.SizeBytes);
        Console.WriteLine(report.Removed.Count == 0 ? "Nothing to prune." : $"Removed {report.Removed.Count} image(s), {Size.Format(freed)}.");
        return 0;
    }

    private static string Name(InventoryImage image) =>
        image.Tags.Count > 0 ? string.Join(", ", image.Tags) : image.Id.Replace("sha256:", string.Empty, StringComparison.Ordinal)[..12];
}
