namespace Gadugi.BuildExec.Images;

/// <summary>Where an image build is.</summary>
public enum ImageBuildStage
{
    /// <summary>Looking for an existing image with the same reference and recipe hash.</summary>
    Checking,

    /// <summary>mmdebstrap is building the root file system; <see cref="ImageBuildProgress.Detail"/> carries its output lines.</summary>
    BuildingRootfs,

    /// <summary>The engine is importing the root file system as an image.</summary>
    Importing,

    /// <summary>The recipe's smoke test runs in a throwaway hardened container.</summary>
    SmokeTesting,

    /// <summary>Finished: an image with the current recipe hash already existed.</summary>
    Cached,

    /// <summary>Finished: a new image was built and tagged.</summary>
    Built,

    /// <summary>Finished: a refresh built the root file system again, with the same packages; the existing image stays.</summary>
    Unchanged,
}

/// <summary>One progress report of an image build.</summary>
public sealed record ImageBuildProgress(string Recipe, ImageBuildStage Stage, string? Detail = null);

/// <summary>Whether the builder reused an image or made one.</summary>
public enum ImageBuildStatus
{
    Cached,
    Built,

    /// <summary>A refresh found the same package versions as the existing image has: that image was kept.</summary>
    Unchanged,
}

/// <summary>When <see cref="ImageBuilder"/> builds an image whose recipe hash is current.</summary>
public enum ImageRebuild
{
    /// <summary>Never: an image with the current recipe hash is reused.</summary>
    IfRecipeChanged,

    /// <summary>Build the root file system from the archives' current packages; replace the image only if its package versions changed.</summary>
    Refresh,

    /// <summary>Always build and replace the image.</summary>
    Force,
}

/// <summary>The result of an <see cref="ImageBuilder"/> build.</summary>
public sealed record ImageBuildOutcome(ImageRecipe Recipe, ImageBuildStatus Status, string ImageId, long SizeBytes, TimeSpan Elapsed)
{
    /// <summary>The packages of the image the outcome names, when recorded.</summary>
    public PackageManifest? Packages { get; init; }

    /// <summary>For a refresh that replaced an image: the packages whose version changed (old → new).</summary>
    public IReadOnlyList<PackageUpdate> Changed { get; init; } = [];
}
