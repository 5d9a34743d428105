using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// Decides what an image carrying the recipe label is relative to a catalog: current, stale
/// (older recipe, in the recipe's own repository), dangling (untagged, or an abandoned staging
/// tag) or untracked (anything this catalog has no say over).
/// </summary>
public sealed class ImageClassifier(ImageRecipeCatalog catalog, TimeProvider time)
{
    /// <summary>The builder imports under this tag prefix until the smoke test passes.</summary>
    public const string StagingTagPrefix = "gadugi-staging-";

    /// <summary>A staging tag older than this belongs to a build that died; younger ones may be in progress.</summary>
    public static readonly TimeSpan AbandonedStagingAge = TimeSpan.FromHours(1);

    public InventoryImage Classify(ImagesListResponse image)
    {
        ArgumentNullException.ThrowIfNull(image);
        IReadOnlyDictionary<string, string> labels = image.Labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(image.Labels);
        var recipeName = labels.GetValueOrDefault(ImageLabels.Recipe, string.Empty);
        var hash = labels.GetValueOrDefault(ImageLabels.RecipeHash, string.Empty);
        var tags = (image.RepoTags ?? []).Where(tag => tag != "<none>:<none>").ToList();
        return new InventoryImage(image.ID, tags, recipeName, hash, StateOf(recipeName, hash, tags, image.Created), image.Size, image.Created)
        {
            Packages = PackageManifest.FromLabels(image.Labels),
        };
    }

    private InventoryState StateOf(string recipeName, string hash, List<string> tags, DateTime created)
    {
        var finished = tags.Where(tag => !TagOf(tag).StartsWith(StagingTagPrefix, StringComparison.Ordinal)).ToList();
        if (finished.Count == 0)
        {
            var abandoned = tags.Count == 0 || time.GetUtcNow().UtcDateTime - created.ToUniversalTime() > AbandonedStagingAge;
            return abandoned ? InventoryState.Dangling : InventoryState.Untracked;
        }

        var recipe = TryGetRecipe(recipeName);
        if (recipe is null)
        {
            return InventoryState.Untracked;
        }

        if (string.Equals(hash, recipe.RecipeHash, StringComparison.Ordinal))
        {
            return InventoryState.Current;
        }

        return finished.All(tag => RepositoryOf(tag) == recipe.Repository) ? InventoryState.Stale : InventoryState.Untracked;
    }

    /// <summary>The current recipe, or null when the catalog lacks it or cannot resolve it here (e.g. no host SDK): such images are left alone.</summary>
    private ImageRecipe? TryGetRecipe(string name)
    {
        try
        {
            return catalog.Contains(name) ? catalog.Get(name) : null;
        }
        catch (GadugiException)
        {
            return null;
        }
    }

    private static string RepositoryOf(string reference) => reference[..reference.LastIndexOf(':')];

    private static string TagOf(string reference) => reference[(reference.LastIndexOf(':') + 1)..];
}
