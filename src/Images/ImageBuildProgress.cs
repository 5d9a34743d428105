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
}

/// <summary>One progress report of an image build.</summary>
public sealed record ImageBuildProgress(string Recipe, ImageBuildStage Stage, string? Detail = null);

/// <summary>Whether the builder reused an image or made one.</summary>
public enum ImageBuildStatus
{
    Cached,
    Built,
}

/// <summary>The result of <see cref="ImageBuilder.BuildAsync"/>.</summary>
public sealed record ImageBuildOutcome(ImageRecipe Recipe, ImageBuildStatus Status, string ImageId, long SizeBytes, TimeSpan Elapsed);
