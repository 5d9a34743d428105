namespace Gadugi.BuildExec.Images;

/// <summary>
/// A runtime image recipe with its dynamic inputs resolved: everything needed to build
/// <see cref="Reference"/> and to tell whether an existing image is current (<see cref="RecipeHash"/>).
/// </summary>
public sealed class ImageRecipe
{
    internal ImageRecipe(RecipeDefinition definition, string tag, SmokeTest smokeTest, IReadOnlyList<RecipeInput> inputs, string recipeHash)
    {
        Definition = definition;
        Tag = tag;
        SmokeTest = smokeTest;
        Inputs = inputs;
        RecipeHash = recipeHash;
    }

    internal RecipeDefinition Definition { get; }

    public string Name => Definition.Name;

    public string Repository => Definition.Repository;

    public string Tag { get; }

    /// <summary>"repository:tag", e.g. "gadugi/python:3.11".</summary>
    public string Reference => $"{Repository}:{Tag}";

    public string Description => Definition.Description;

    /// <summary>The Debian suite the root file system is bootstrapped from.</summary>
    public string Suite => Definition.Suite;

    /// <summary>Debian packages installed on top of the essential set.</summary>
    public IReadOnlyList<string> Packages => Definition.Packages;

    /// <summary>Hook scripts (paths relative to the recipe folder) run, in order, before common/harden.sh.</summary>
    public IReadOnlyList<string> Hooks => Definition.Hooks;

    /// <summary>Image environment set by the recipe, in recipe order (applied over the defaults).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment => Definition.Environment;

    /// <summary>The image's default command, or empty.</summary>
    public IReadOnlyList<string> Command => Definition.Command;

    public SmokeTest SmokeTest { get; }

    public IReadOnlyList<RecipeInput> Inputs { get; }

    /// <summary>The recipe's files followed by the shared common/ files, as hashed.</summary>
    public IReadOnlyList<RecipeFile> Files => Definition.Files;

    /// <summary>Lowercase hex SHA-256 over the recipe's files, common/ and the input fingerprints.</summary>
    public string RecipeHash { get; }

    /// <summary>Environment for the hook scripts: what the inputs provide.</summary>
    public IReadOnlyDictionary<string, string> HookEnvironment =>
        Inputs.SelectMany(input => input.HookEnvironment)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    public override string ToString() => Reference;
}
