using System.Text;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// The mmdebstrap command line for a recipe: essential variant plus the recipe's packages, merged
/// /usr without the usrmerge package (and so without perl's modules), dpkg path excludes and apt
/// options from common/, the recipe's hooks, the package manifest, then common/harden.sh, tarball output without /dev.
/// </summary>
internal static class MmdebstrapArguments
{
    /// <summary>mmdebstrap ships this hook folder; it sets up merged /usr the way debootstrap does.</summary>
    public const string MergedUsrHookDirectory = "/usr/share/mmdebstrap/hooks/merged-usr";

    public static IReadOnlyList<string> For(ImageRecipe recipe, Func<string, string> stagedPath, string outputTarball, string? mergedUsrHookDirectory)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(stagedPath);
        var arguments = new List<string>
        {
            "--variant=essential",
            "--mode=root",
            "--format=tar",
            "--skip=output/dev",
            // common/harden.sh removes apt and dpkg; mmdebstrap must not try to clean what is gone.
            "--skip=cleanup/apt",
            "--skip=cleanup/mmdebstrap",
        };
        if (mergedUsrHookDirectory is not null)
        {
            arguments.Add($"--hook-dir={mergedUsrHookDirectory}");
        }

        AddIfPresent(arguments, recipe, "--aptopt=", "common/apt.conf", stagedPath);
        AddIfPresent(arguments, recipe, "--dpkgopt=", "common/dpkg-excludes.cfg", stagedPath);
        arguments.Add("--include=" + string.Join(',', recipe.Packages));
        foreach (var hook in recipe.Hooks)
        {
            arguments.Add("--customize-hook=" + ShellHook(stagedPath($"{recipe.Name}/{hook}")));
        }

        arguments.Add("--customize-hook=" + ManifestHook);
        arguments.Add("--customize-hook=" + ShellHook(stagedPath(ImageRecipeCatalog.HardenScript)));
        arguments.Add(recipe.Suite);
        arguments.Add(outputTarball);
        arguments.AddRange(SourcesFor(recipe));
        return arguments;
    }

    /// <summary>The lines of common/sources.list with {suite} filled in, comments and blanks dropped.</summary>
    public static IEnumerable<string> SourcesFor(ImageRecipe recipe)
    {
        var sources = recipe.Files.Single(file => file.Path == ImageRecipeCatalog.SourcesList);
        return Encoding.UTF8.GetString(sources.Content.Span)
            .Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Replace("{suite}", recipe.Suite, StringComparison.Ordinal));
    }

    private static void AddIfPresent(List<string> arguments, ImageRecipe recipe, string option, string path, Func<string, string> stagedPath)
    {
        if (recipe.Files.Any(file => file.Path == path))
        {
            arguments.Add(option + stagedPath(path));
        }
    }

    /// <summary>
    /// Records the installed packages (<see cref="PackageManifest"/>) while the root still has its dpkg
    /// database: common/harden.sh, the next hook, removes it. Not a recipe file, so the recipe hash
    /// (and whether an image is current) does not depend on it.
    /// </summary>
    public const string ManifestHook =
        "mkdir -p \"$1/" + ManifestFolder + "\" && chroot \"$1\" dpkg-query -W -f '${Package}\\t${Version}\\t${Architecture}\\n' > \"$1/" + PackageManifest.PathInImage + "\"";

    private const string ManifestFolder = "usr/share/gadugi";

    /// <summary>A hook mmdebstrap runs under sh with the new root as $1.</summary>
    private static string ShellHook(string script) => $"sh '{script.Replace("'", "'\\''", StringComparison.Ordinal)}' \"$1\"";
}
