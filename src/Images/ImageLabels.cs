namespace Gadugi.BuildExec.Images;

/// <summary>Labels every image built from a recipe carries; they make images recognisable and cacheable.</summary>
public static class ImageLabels
{
    /// <summary>The name of the recipe the image was built from.</summary>
    public const string Recipe = "io.gadugi.recipe";

    /// <summary>The recipe hash at build time; an image is current while it equals the recipe's hash.</summary>
    public const string RecipeHash = "io.gadugi.recipe-sha256";

    /// <summary>The Debian packages the image was built with (<see cref="PackageManifest.LabelValue"/>).</summary>
    public const string Packages = "io.gadugi.packages";

    /// <summary>SHA-256 of the image's package manifest (<see cref="PackageManifest.Digest"/>): equal digests, equal packages.</summary>
    public const string PackagesDigest = "io.gadugi.packages-sha256";

    /// <summary>The recipe's one-line description.</summary>
    public const string Description = "org.opencontainers.image.description";

    /// <summary>
    /// Start of the comment the builder gives every image it imports. Labels are inherited by images
    /// built FROM ours (e.g. the Action image); the comment is not, so it tells our images from those.
    /// </summary>
    public const string ImportCommentPrefix = "gadugi-exec images build";

    /// <summary>Marks the throwaway containers that smoke-test a fresh image.</summary>
    public const string SmokeTest = "io.gadugi.smoke-test";
}
