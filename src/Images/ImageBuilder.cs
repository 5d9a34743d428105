using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// Builds a recipe's image unless one with the same reference and recipe hash exists: mmdebstrap
/// rootfs (with its package manifest) → engine import under a staging tag (with user, env and labels,
/// the packages among them) → smoke test → final tag. A refresh whose packages equal the image's keeps it.
/// A failed smoke test discards the new image and leaves the previous one tagged. Scratch files
/// are removed on every path, cancellation included.
/// </summary>
public sealed class ImageBuilder
{
    private readonly IDockerClient client;
    private readonly RootfsBuilder rootfsBuilder;
    private readonly SmokeTester smokeTester;

    public ImageBuilder(IDockerClient client, RootfsBuilder? rootfsBuilder = null, SmokeTester? smokeTester = null)
    {
        this.client = client;
        this.rootfsBuilder = rootfsBuilder ?? new RootfsBuilder();
        this.smokeTester = smokeTester ?? new SmokeTester(client);
    }

    /// <summary>Parent folder of the per-build scratch folders; the system temp folder by default.</summary>
    public string WorkDirectory { get; init; } = Path.GetTempPath();

    public Task<ImageBuildOutcome> BuildAsync(
        ImageRecipe recipe,
        bool force,
        IProgress<ImageBuildProgress>? progress,
        CancellationToken cancellationToken) =>
        BuildAsync(recipe, force ? ImageRebuild.Force : ImageRebuild.IfRecipeChanged, progress, cancellationToken);

    public async Task<ImageBuildOutcome> BuildAsync(
        ImageRecipe recipe,
        ImageRebuild rebuild,
        IProgress<ImageBuildProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var stopwatch = Stopwatch.StartNew();
        progress?.Report(new(recipe.Name, ImageBuildStage.Checking, recipe.Reference));
        var existing = await TryInspectAsync(recipe.Reference, cancellationToken).ConfigureAwait(false);
        var existingIsCurrent = existing is not null && IsCurrent(existing, recipe);
        var existingPackages = existing is null ? null : PackageManifest.FromLabels(existing.Config?.Labels);
        if (rebuild == ImageRebuild.IfRecipeChanged && existingIsCurrent)
        {
            progress?.Report(new(recipe.Name, ImageBuildStage.Cached, recipe.Reference));
            return new ImageBuildOutcome(recipe, ImageBuildStatus.Cached, existing!.ID, existing.Size, stopwatch.Elapsed) { Packages = existingPackages };
        }

        PackageManifest packages;
        await using (var directory = BuildDirectory.Create(WorkDirectory, recipe.Name))
        {
            directory.Stage(recipe.Files);
            var rootfsOutput = progress is null ? null : new SynchronousProgress<string>(line => progress.Report(new(recipe.Name, ImageBuildStage.BuildingRootfs, line)));
            progress?.Report(new(recipe.Name, ImageBuildStage.BuildingRootfs, $"mmdebstrap {recipe.Suite}: {string.Join(' ', recipe.Packages)}"));
            await rootfsBuilder.BuildAsync(recipe, directory.StagedPath, directory.RootfsTarball, directory.Temporary, rootfsOutput, cancellationToken)
                .ConfigureAwait(false);
            packages = await PackageManifest.ReadFromTarballAsync(directory.RootfsTarball, cancellationToken).ConfigureAwait(false) is { Packages.Count: > 0 } read
                ? read
                : throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.PackageManifestMissing), recipe.Name, PackageManifest.PathInImage));

            if (rebuild == ImageRebuild.Refresh && existingIsCurrent && existingPackages?.Digest == packages.Digest)
            {
                progress?.Report(new(recipe.Name, ImageBuildStage.Unchanged, recipe.Reference));
                return new ImageBuildOutcome(recipe, ImageBuildStatus.Unchanged, existing!.ID, existing.Size, stopwatch.Elapsed) { Packages = existingPackages };
            }

            var staging = $"{recipe.Repository}:{ImageClassifier.StagingTagPrefix}{recipe.RecipeHash[..12]}-{Guid.NewGuid().ToString("N")[..8]}";
            try
            {
                progress?.Report(new(recipe.Name, ImageBuildStage.Importing, staging));
                await RootfsImport.ImportAsync(client, recipe, directory.RootfsTarball, staging, ImageConfigChanges.For(recipe, packages), cancellationToken).ConfigureAwait(false);
                progress?.Report(new(recipe.Name, ImageBuildStage.SmokeTesting, string.Join(' ', recipe.SmokeTest.Command)));
                await smokeTester.RunAsync(recipe, staging, cancellationToken).ConfigureAwait(false);
                await client.Images.TagImageAsync(staging, new ImageTagParameters { RepositoryName = recipe.Repository, Tag = recipe.Tag }, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch
            {
                // The staging tag is the new image's only name until it passed: removing it removes the image.
                await TryDeleteAsync(staging).ConfigureAwait(false);
                throw;
            }

            // Now only an extra name of the tagged image: this just untags.
            await TryDeleteAsync(staging).ConfigureAwait(false);
        }

        var built = await client.Images.InspectImageAsync(recipe.Reference, cancellationToken).ConfigureAwait(false);
        if (existing is not null && existing.ID != built.ID)
        {
            await TryRemoveReplacedAsync(existing.ID).ConfigureAwait(false);
        }

        progress?.Report(new(recipe.Name, ImageBuildStage.Built, recipe.Reference));
        return new ImageBuildOutcome(recipe, ImageBuildStatus.Built, built.ID, built.Size, stopwatch.Elapsed)
        {
            Packages = packages,
            Changed = existingPackages is null ? [] : ChangedPackages(existingPackages, packages),
        };
    }

    /// <summary>Packages whose version differs between two manifests, or that only the new one has.</summary>
    public static IReadOnlyList<PackageUpdate> ChangedPackages(PackageManifest before, PackageManifest after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var old = before.Packages.ToDictionary(package => package.Name, package => package.Version, StringComparer.Ordinal);
        return [.. after.Packages
            .Where(package => !old.TryGetValue(package.Name, out var version) || version != package.Version)
            .Select(package => new PackageUpdate(package.Name, old.GetValueOrDefault(package.Name, "(none)"), package.Version))];
    }

    /// <summary>Whether <paramref name="image"/> was built by this builder (not merely FROM one of its images).</summary>
    public static bool IsBuiltByUs(ImageInspectResponse image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.Comment?.StartsWith(ImageLabels.ImportCommentPrefix, StringComparison.Ordinal) == true
            && image.Config?.Labels?.ContainsKey(ImageLabels.Recipe) == true;
    }

    /// <summary>Whether <paramref name="image"/> was built by this builder from exactly this recipe.</summary>
    public static bool IsCurrent(ImageInspectResponse image, ImageRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(recipe);
        return IsBuiltByUs(image)
            && image.Config?.Labels is { } labels
            && labels.TryGetValue(ImageLabels.RecipeHash, out var hash)
            && string.Equals(hash, recipe.RecipeHash, StringComparison.Ordinal);
    }

    private async Task<ImageInspectResponse?> TryInspectAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    private async Task TryDeleteAsync(string reference)
    {
        try
        {
            await client.Images.DeleteImageAsync(reference, new ImageDeleteParameters(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            // Already gone (the import never finished) or still in use: nothing more to do here.
        }
    }

    /// <summary>The image the reference used to name is garbage once untagged, unless something still uses it.</summary>
    private async Task TryRemoveReplacedAsync(string imageId)
    {
        var replaced = await TryInspectAsync(imageId, CancellationToken.None).ConfigureAwait(false);
        if (replaced is { RepoTags.Count: 0 } && IsBuiltByUs(replaced))
        {
            await TryDeleteAsync(imageId).ConfigureAwait(false);
        }
    }
}
