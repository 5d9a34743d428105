using System.Diagnostics;
using System.Formats.Tar;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Images;

/// <summary>What <see cref="BundledImages.EnsureAsync"/> did.</summary>
public enum BundledImageStatus
{
    /// <summary>The engine has the image already (whoever built it): nothing done.</summary>
    Present,

    /// <summary>The image was imported from the bundled root file system and passed its smoke test.</summary>
    Imported,

    /// <summary>The image is missing and no root file system for it is bundled.</summary>
    NotBundled,
}

public sealed record BundledImageOutcome(string Reference, BundledImageStatus Status, TimeSpan Elapsed, long SizeBytes);

/// <summary>
/// Runtime images that travel as root file systems inside another image (the GitHub Action's): on an
/// engine that lacks the image — a fresh runner — the folder is imported under the recipe's name with
/// the recipe's configuration (uid 10001, /workspace, env) and smoke-tested, as a build would be. The
/// image is labelled <see cref="BundledLabel"/> and carries a recipe hash of its own, so
/// 'gadugi-exec images build' sees it as not current and rebuilds it from the recipe where it can.
/// </summary>
public static class BundledImages
{
    /// <summary>Which bundle an imported image came from.</summary>
    public const string BundledLabel = "io.gadugi.bundled-from";

    /// <summary>
    /// Makes <paramref name="reference"/> available on the engine at <paramref name="endpoint"/>: present
    /// already, imported from <c>bundleDirectory/&lt;recipe name&gt;</c>, or not bundled.
    /// </summary>
    public static async Task<BundledImageOutcome> EnsureAsync(Uri? endpoint, string reference, string bundleDirectory, string bundleName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(bundleDirectory);
        var stopwatch = Stopwatch.StartNew();
        using var engine = await EngineConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        if (await RootfsImport.ExistsAsync(engine.Client, reference, cancellationToken).ConfigureAwait(false))
        {
            return new BundledImageOutcome(reference, BundledImageStatus.Present, stopwatch.Elapsed, 0);
        }

        var recipe = RecipeFor(reference);
        var rootfs = recipe is null ? null : Path.Combine(bundleDirectory, recipe.Name);
        if (recipe is null || !Directory.Exists(rootfs) || !Directory.EnumerateFileSystemEntries(rootfs).Any())
        {
            return new BundledImageOutcome(reference, BundledImageStatus.NotBundled, stopwatch.Elapsed, 0);
        }

        var size = await ImportAsync(engine.Client, recipe, rootfs, bundleName, cancellationToken).ConfigureAwait(false);
        return new BundledImageOutcome(reference, BundledImageStatus.Imported, stopwatch.Elapsed, size);
    }

    /// <summary>The references of the images whose root file systems <paramref name="bundleDirectory"/> carries.</summary>
    public static IReadOnlyList<string> CarriedReferences(string bundleDirectory)
    {
        ArgumentNullException.ThrowIfNull(bundleDirectory);
        var catalog = ImageRecipeCatalog.LoadEmbedded();
        var carried = new List<string>();
        foreach (var name in catalog.Names)
        {
            var folder = Path.Combine(bundleDirectory, name);
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any() && RecipeFor(name, catalog) is { } recipe)
            {
                carried.Add(recipe.Reference);
            }
        }

        return carried;
    }

    private static ImageRecipe? RecipeFor(string name, ImageRecipeCatalog catalog)
    {
        try
        {
            return catalog.Get(name) is { Inputs.Count: 0 } recipe ? recipe : null;
        }
        catch (Core.Diagnostics.GadugiException)
        {
            return null;
        }
    }

    /// <summary>The embedded recipe that builds <paramref name="reference"/>, among those that need nothing from the host.</summary>
    public static ImageRecipe? RecipeFor(string reference)
    {
        var catalog = ImageRecipeCatalog.LoadEmbedded();
        foreach (var name in catalog.Names)
        {
            try
            {
                if (catalog.Get(name) is { Inputs.Count: 0 } recipe && recipe.Reference == reference)
                {
                    return recipe;
                }
            }
            catch (Core.Diagnostics.GadugiException)
            {
                // A recipe input this machine cannot provide (the .NET SDK, in the action's container): not bundled.
            }
        }

        return null;
    }

    private static async Task<long> ImportAsync(IDockerClient client, ImageRecipe recipe, string rootfs, string bundleName, CancellationToken cancellationToken)
    {
        var tarball = Path.Combine(Path.GetTempPath(), $"gadugi-bundled-{recipe.Name}-{Guid.NewGuid():N}.tar");
        var staging = $"{recipe.Repository}:{ImageClassifier.StagingTagPrefix}bundled-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            await TarFile.CreateFromDirectoryAsync(rootfs, tarball, includeBaseDirectory: false, cancellationToken).ConfigureAwait(false);
            var changes = ImageConfigChanges.For(recipe)
                .Select(change => change.StartsWith($"LABEL {ImageLabels.RecipeHash}=", StringComparison.Ordinal) ? $"LABEL {ImageLabels.RecipeHash}=\"bundled\"" : change)
                .Append($"LABEL {BundledLabel}=\"{bundleName.Replace("\"", string.Empty, StringComparison.Ordinal)}\"")
                .ToList();
            await RootfsImport.ImportAsync(client, recipe, tarball, staging, changes, cancellationToken).ConfigureAwait(false);
            await new SmokeTester(client).RunAsync(recipe, staging, cancellationToken).ConfigureAwait(false);
            await client.Images.TagImageAsync(staging, new ImageTagParameters { RepositoryName = recipe.Repository, Tag = recipe.Tag }, cancellationToken).ConfigureAwait(false);
            return (await client.Images.InspectImageAsync(recipe.Reference, cancellationToken).ConfigureAwait(false)).Size;
        }
        finally
        {
            File.Delete(tarball);
            try
            {
                // After tagging this only untags; before, it removes the image that failed.
                await client.Images.DeleteImageAsync(staging, new ImageDeleteParameters(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (DockerApiException)
            {
                // Never created.
            }
        }
    }
}
