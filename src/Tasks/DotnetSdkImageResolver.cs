using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>What the build asks for: the SDK's image in <see cref="Repository"/>, tagged with the SDK's version.</summary>
internal sealed record DotnetSdkImageQuery(string Repository, string SdkVersion, string? RegistryImage, bool AllowPull)
{
    public string ExactImage => Repository + ":" + SdkVersion;

    /// <summary>The registry image of the SDK's major.minor (mcr.microsoft.com/dotnet/sdk:10.0) unless one is given.</summary>
    public string? EffectiveRegistryImage =>
        !string.IsNullOrWhiteSpace(RegistryImage)
            ? RegistryImage.Trim()
            : DotnetSdkVersion.TryParse(SdkVersion) is { } version ? $"{DotnetSdkImageResolver.DefaultRegistryRepository}:{version.Major}.{version.Minor}" : null;
}

/// <summary>How the image was found.</summary>
internal enum DotnetSdkImageSource
{
    /// <summary>The image of the exact SDK version.</summary>
    Exact,

    /// <summary>The newest local image of the SDK's feature band.</summary>
    FeatureBand,

    /// <summary>The registry image, already on the engine.</summary>
    Registry,

    /// <summary>The registry image, pulled now.</summary>
    RegistryPulled,
}

internal sealed record DotnetSdkImageChoice(string Image, DotnetSdkImageSource Source);

/// <summary>
/// Picks the image of a containerized <c>dotnet build</c>/<c>test</c> so that a patch update of the SDK does
/// not break the build until its image is rebuilt: the image of the exact SDK version, else the newest
/// local image of the same feature band (10.0.4xx), else — only when pulling is allowed — the registry
/// image of the SDK's major.minor; else GBX4022 naming everything tried and the fix.
/// </summary>
internal static class DotnetSdkImageResolver
{
    public const string DefaultRegistryRepository = "mcr.microsoft.com/dotnet/sdk";

    public static async Task<DotnetSdkImageChoice> ResolveAsync(IImageCatalog catalog, DotnetSdkImageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(query);
        if (await catalog.ExistsAsync(query.ExactImage, cancellationToken).ConfigureAwait(false))
        {
            return new DotnetSdkImageChoice(query.ExactImage, DotnetSdkImageSource.Exact);
        }

        var tried = new List<string> { $"'{query.ExactImage}' (not on the engine)" };
        var requested = DotnetSdkVersion.TryParse(query.SdkVersion);
        if (requested is null)
        {
            tried.Add($"no feature band ('{query.SdkVersion}' is not an SDK version such as 10.0.401)");
        }
        else
        {
            var local = (await catalog.TagsAsync(query.Repository, cancellationToken).ConfigureAwait(false))
                .Select(tag => (Tag: tag, Version: DotnetSdkVersion.TryParse(tag)))
                .Where(candidate => candidate.Version is not null)
                .ToList();
            var newestOfBand = local.Where(candidate => candidate.Version!.SameFeatureBand(requested)).OrderByDescending(candidate => candidate.Version).FirstOrDefault();
            if (newestOfBand.Tag is not null)
            {
                return new DotnetSdkImageChoice(query.Repository + ":" + newestOfBand.Tag, DotnetSdkImageSource.FeatureBand);
            }

            var others = local.Count == 0 ? "none" : string.Join(", ", local.Select(candidate => candidate.Tag).Order(StringComparer.Ordinal));
            tried.Add($"'{query.Repository}:{requested.FeatureBandName}' (no local image of that feature band; tags there: {others})");
        }

        var registry = query.EffectiveRegistryImage;
        if (registry is not null && query.AllowPull)
        {
            if (await catalog.ExistsAsync(registry, cancellationToken).ConfigureAwait(false))
            {
                return new DotnetSdkImageChoice(registry, DotnetSdkImageSource.Registry);
            }

            try
            {
                await catalog.PullAsync(registry, cancellationToken).ConfigureAwait(false);
                return new DotnetSdkImageChoice(registry, DotnetSdkImageSource.RegistryPulled);
            }
            catch (SandboxEngineException ex)
            {
                tried.Add($"'{registry}' (pull failed: {ex.Message})");
            }
        }
        else if (registry is not null)
        {
            tried.Add($"'{registry}' (not pulled: GadugiDotnetImagePull is not true)");
        }

        throw new GadugiException(Diagnostic.Create(
            TaskMessages.ResourceManager,
            nameof(TaskMessages.DotnetSdkImageMissing),
            query.SdkVersion,
            string.Join("; ", tried),
            registry ?? DefaultRegistryRepository));
    }
}
