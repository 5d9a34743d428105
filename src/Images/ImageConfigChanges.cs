using System.Text.Json;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// The Dockerfile-style changes applied when importing a recipe's root file system: non-root user,
/// working directory, environment, labels and default command.
/// </summary>
public static class ImageConfigChanges
{
    public const string SandboxUser = "10001:10001";
    public const string WorkingDirectory = "/workspace";
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The image environment: HOME, LANG and PATH defaults, overridden/extended by the recipe's env in its order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> EnvironmentFor(ImageRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var environment = new List<KeyValuePair<string, string>>
        {
            new("HOME", "/tmp"),
            new("LANG", "C.UTF-8"),
            new("PATH", DefaultPath),
        };
        foreach (var pair in recipe.Environment)
        {
            var index = environment.FindIndex(existing => existing.Key == pair.Key);
            if (index >= 0)
            {
                environment[index] = pair;
            }
            else
            {
                environment.Add(pair);
            }
        }

        return environment;
    }

    public static IReadOnlyList<string> For(ImageRecipe recipe) => For(recipe, manifest: null);

    /// <summary>The changes, with the package manifest's labels when the build recorded one.</summary>
    public static IReadOnlyList<string> For(ImageRecipe recipe, PackageManifest? manifest)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var changes = new List<string>
        {
            $"USER {SandboxUser}",
            $"WORKDIR {WorkingDirectory}",
        };
        changes.AddRange(EnvironmentFor(recipe).Select(pair => $"ENV {pair.Key}={Quote(pair.Value)}"));
        changes.Add($"LABEL {ImageLabels.Recipe}={Quote(recipe.Name)}");
        changes.Add($"LABEL {ImageLabels.RecipeHash}={Quote(recipe.RecipeHash)}");
        if (manifest is not null)
        {
            changes.Add($"LABEL {ImageLabels.PackagesDigest}={Quote(manifest.Digest)}");
            changes.Add($"LABEL {ImageLabels.Packages}={Quote(manifest.LabelValue)}");
        }

        if (recipe.Description.Length > 0)
        {
            changes.Add($"LABEL {ImageLabels.Description}={Quote(recipe.Description)}");
        }

        if (recipe.Command.Count > 0)
        {
            changes.Add("CMD " + JsonSerializer.Serialize(recipe.Command));
        }

        return changes;
    }

    /// <summary>Double-quotes a value the way the Dockerfile parser reads ENV and LABEL values.</summary>
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
