using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Images;

/// <summary>What an image built from a recipe is, relative to the current catalog.</summary>
public enum InventoryState
{
    /// <summary>Its recipe hash equals the current recipe's.</summary>
    Current,

    /// <summary>Tagged in its recipe's repository, but built from an older version of the recipe: prunable.</summary>
    Stale,

    /// <summary>No tags left (replaced by a rebuild) or only an abandoned staging tag: prunable.</summary>
    Dangling,

    /// <summary>Its recipe is not in this catalog, or it lives in another repository: left alone.</summary>
    Untracked,
}

/// <summary>One image carrying the <see cref="ImageLabels.Recipe"/> label.</summary>
public sealed record InventoryImage(
    string Id,
    IReadOnlyList<string> Tags,
    string Recipe,
    string RecipeHash,
    InventoryState State,
    long SizeBytes,
    DateTime Created)
{
    /// <summary>The Debian packages the image was built with, when its build recorded them.</summary>
    public PackageManifest? Packages { get; init; }
}

/// <summary>The result of <see cref="ImageInventory.PruneAsync"/>.</summary>
public sealed record PruneReport(IReadOnlyList<InventoryImage> Removed, IReadOnlyList<(InventoryImage Image, string Reason)> Kept);

/// <summary>
/// Lists the images built from recipes and prunes the outdated ones. Only images this builder
/// imported are ever touched, never images built FROM them (those inherit the labels); stale
/// ones only in their own recipe's repository, so images built from another recipe folder
/// (--recipes) are never removed.
/// </summary>
public sealed class ImageInventory
{
    private readonly IDockerClient client;
    private readonly ImageClassifier classifier;

    public ImageInventory(IDockerClient client, ImageRecipeCatalog catalog, TimeProvider? time = null)
    {
        this.client = client;
        classifier = new ImageClassifier(catalog, time ?? TimeProvider.System);
    }

    /// <summary>Every image this builder made (recipe label and import comment), newest first.</summary>
    public async Task<IReadOnlyList<InventoryImage>> ListAsync(CancellationToken cancellationToken)
    {
        var images = await client.Images.ListImagesAsync(
            new ImagesListParameters
            {
                All = false,
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [ImageLabels.Recipe] = true },
                },
            },
            cancellationToken).ConfigureAwait(false);
        var ours = new List<ImagesListResponse>();
        foreach (var image in images)
        {
            if (await IsBuiltByUsAsync(image.ID, cancellationToken).ConfigureAwait(false))
            {
                ours.Add(image);
            }
        }

        return [.. ours.Select(classifier.Classify).OrderByDescending(image => image.Created)];
    }

    /// <summary>Images built FROM ours inherit the labels; only the import comment is ours alone.</summary>
    private async Task<bool> IsBuiltByUsAsync(string imageId, CancellationToken cancellationToken)
    {
        try
        {
            return ImageBuilder.IsBuiltByUs(await client.Images.InspectImageAsync(imageId, cancellationToken).ConfigureAwait(false));
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Removes the <see cref="InventoryState.Stale"/> and <see cref="InventoryState.Dangling"/> images; keeps those still in use.</summary>
    public async Task<PruneReport> PruneAsync(CancellationToken cancellationToken)
    {
        var removed = new List<InventoryImage>();
        var kept = new List<(InventoryImage, string)>();
        foreach (var image in await ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (image.State is InventoryState.Current or InventoryState.Untracked)
            {
                continue;
            }

            try
            {
                // Removing by tag untags one name at a time; the last one removes the image.
                foreach (var name in image.Tags.Count > 0 ? image.Tags : [image.Id])
                {
                    await client.Images.DeleteImageAsync(name, new ImageDeleteParameters(), cancellationToken).ConfigureAwait(false);
                }

                removed.Add(image);
            }
            catch (DockerImageNotFoundException)
            {
                removed.Add(image);
            }
            catch (DockerApiException ex)
            {
                kept.Add((image, (ex.ResponseBody ?? ex.Message).Trim()));
            }
        }

        return new PruneReport(removed, kept);
    }
}
