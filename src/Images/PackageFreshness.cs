using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Images;

/// <summary>Whether an image's packages are the newest its archives offer.</summary>
public enum PackageFreshnessState
{
    /// <summary>Every recorded package is at the newest version the package index knows.</summary>
    UpToDate,

    /// <summary>The index offers a newer version of at least one recorded package: rebuild with 'images build --refresh'.</summary>
    NewerAvailable,

    /// <summary>Cannot tell: no manifest recorded, no package index on this machine, or no recipe to name the archives.</summary>
    Unknown,
}

/// <summary>A package with a newer version in the index.</summary>
public sealed record PackageUpdate(string Name, string Installed, string Available);

/// <summary>The answer for one image; <see cref="Reason"/> says why it is unknown.</summary>
public sealed record PackageFreshness(PackageFreshnessState State, IReadOnlyList<PackageUpdate> Updates, string? Reason, string? Detail, DateTime? IndexUpdated)
{
    public static PackageFreshness Unknown(string reason, string? detail = null) => new(PackageFreshnessState.Unknown, [], reason, detail, null);

    /// <summary>One short phrase for a table cell: "up to date", "3 newer (libc6, …)", "unknown (no package index)".</summary>
    public string Summary => State switch
    {
        PackageFreshnessState.UpToDate => "up to date",
        PackageFreshnessState.NewerAvailable => $"{Updates.Count} newer ({string.Join(", ", Updates.Take(3).Select(update => update.Name))}{(Updates.Count > 3 ? ", …" : string.Empty)})",
        _ => $"unknown ({Reason})",
    };

    /// <summary>Compares <paramref name="manifest"/> with <paramref name="index"/>; packages the index lacks are left out (not offered any more is not "newer").</summary>
    public static PackageFreshness Compare(PackageManifest manifest, PackageIndex index)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(index);
        var updates = new List<PackageUpdate>();
        foreach (var package in manifest.Packages)
        {
            if (index.NewestVersion(package.Name) is { } available && DebianVersion.Compare(available, package.Version) > 0)
            {
                updates.Add(new PackageUpdate(package.Name, package.Version, available));
            }
        }

        return new PackageFreshness(updates.Count == 0 ? PackageFreshnessState.UpToDate : PackageFreshnessState.NewerAvailable, updates, null, null, index.Updated);
    }

    /// <summary>The Debian architecture of a manifest's arch-specific packages, or this machine's when all are 'all'.</summary>
    public static string ArchitectureOf(PackageManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Packages.Select(package => package.Architecture).FirstOrDefault(architecture => architecture != "all")
            ?? RuntimeInformation.OSArchitecture switch
            {
                Architecture.Arm64 => "arm64",
                Architecture.Arm => "armhf",
                Architecture.X86 => "i386",
                _ => "amd64",
            };
    }
}

/// <summary>
/// Answers <see cref="PackageFreshness"/> for images, reading each archive set's lists once. Offline
/// by construction: only the package lists already on this machine are read.
/// </summary>
public sealed class PackageFreshnessChecker(ImageRecipeCatalog catalog, string listsDirectory)
{
    private readonly Dictionary<string, (PackageIndex? Index, string? Missing)> indexes = new(StringComparer.Ordinal);

    public async Task<PackageFreshness> CheckAsync(string recipeName, PackageManifest? manifest, CancellationToken cancellationToken)
    {
        if (manifest is null)
        {
            return PackageFreshness.Unknown("no package manifest", "the image was built before package manifests were recorded; rebuild it with 'gadugi-exec images build --refresh'");
        }

        ImageRecipe recipe;
        try
        {
            if (!catalog.Contains(recipeName))
            {
                return PackageFreshness.Unknown("recipe not in catalog", $"recipe '{recipeName}' is not in this catalog, so its archives are unknown");
            }

            recipe = catalog.Get(recipeName);
        }
        catch (Core.Diagnostics.GadugiException)
        {
            return PackageFreshness.Unknown("recipe not resolvable here", $"recipe '{recipeName}' needs inputs this machine lacks");
        }

        var sources = MmdebstrapArguments.SourcesFor(recipe).ToList();
        var architecture = PackageFreshness.ArchitectureOf(manifest);
        var key = architecture + "\n" + string.Join('\n', sources);
        if (!indexes.TryGetValue(key, out var loaded))
        {
            loaded = await PackageIndex.LoadAsync(listsDirectory, sources, architecture, cancellationToken).ConfigureAwait(false);
            indexes[key] = loaded;
        }

        return loaded.Index is null
            ? PackageFreshness.Unknown("no package index", $"{loaded.Missing}; run 'apt-get update' with the recipe's archives in apt's sources, or pass --package-index DIR")
            : PackageFreshness.Compare(manifest, loaded.Index);
    }
}
