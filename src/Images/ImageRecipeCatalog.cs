using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// The known runtime image recipes. Recipes are parsed and checked when the catalog is created;
/// their dynamic inputs (e.g. the host SDK) are resolved on first <see cref="Get"/>, so a machine
/// without an SDK can still build and list the other images.
/// </summary>
public sealed class ImageRecipeCatalog
{
    public const string CommonFolder = "common";
    public const string RecipeFileName = "recipe.yaml";
    public const string HardenScript = "common/harden.sh";
    public const string SourcesList = "common/sources.list";

    private readonly Dictionary<string, RecipeDefinition> definitions;
    private readonly IRecipeInputProvider inputs;
    private readonly ConcurrentDictionary<string, Lazy<ImageRecipe>> resolved = new(StringComparer.Ordinal);

    private ImageRecipeCatalog(string origin, Dictionary<string, RecipeDefinition> definitions, IRecipeInputProvider inputs)
    {
        Origin = origin;
        this.definitions = definitions;
        this.inputs = inputs;
    }

    /// <summary>Where the recipes came from: "embedded recipes" or a folder path.</summary>
    public string Origin { get; }

    /// <summary>Recipe names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. definitions.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The recipes built into Gadugi.BuildExec.Images.</summary>
    public static ImageRecipeCatalog LoadEmbedded(IRecipeInputProvider? inputs = null) =>
        Create(RecipeFiles.Embedded(), "embedded recipes", inputs);

    /// <summary>The recipes under <paramref name="directory"/> (same layout as images/ in the repository).</summary>
    public static ImageRecipeCatalog LoadFromDirectory(string directory, IRecipeInputProvider? inputs = null) =>
        Create(RecipeFiles.FromDirectory(directory), Path.GetFullPath(directory), inputs);

    /// <summary>Builds a catalog from recipe files; throws GBX1102/GBX1103/GBX1104 on bad recipes.</summary>
    public static ImageRecipeCatalog Create(IEnumerable<RecipeFile> files, string origin, IRecipeInputProvider? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        inputs ??= new HostRecipeInputs();
        var byFolder = files.GroupBy(file => file.Folder, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.OrderBy(file => file.Path, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        if (!byFolder.TryGetValue(CommonFolder, out var common) || !common.Any(file => file.Path == HardenScript))
        {
            throw FolderInvalid(origin, $"it has no {HardenScript}");
        }

        if (!common.Any(file => file.Path == SourcesList))
        {
            throw FolderInvalid(origin, $"it has no {SourcesList}");
        }

        var definitions = new Dictionary<string, RecipeDefinition>(StringComparer.Ordinal);
        foreach (var (folder, folderFiles) in byFolder.Where(pair => pair.Key != CommonFolder))
        {
            var recipeFile = folderFiles.FirstOrDefault(file => file.Path == $"{folder}/{RecipeFileName}")
                ?? throw FolderInvalid(origin, $"the folder '{folder}' has no {RecipeFileName}");
            var source = Path.IsPathRooted(origin) ? Path.Combine(origin, folder, RecipeFileName) : $"{origin}: {recipeFile.Path}";
            var definition = RecipeParser.Parse(folder, source, Encoding.UTF8.GetString(recipeFile.Content.Span), [.. folderFiles, .. common]);
            var unknown = definition.Inputs.FirstOrDefault(input => !inputs.Names.Contains(input.Name));
            if (unknown is not null)
            {
                throw new GadugiException(Diagnostic.Create(
                    ImageMessages.ResourceManager, nameof(ImageMessages.RecipeUnknownInput), source, unknown.Name, unknown.Line, unknown.Column, string.Join(", ", inputs.Names)));
            }

            definitions.Add(definition.Name, definition);
        }

        if (definitions.Count == 0)
        {
            throw FolderInvalid(origin, $"it holds no <name>/{RecipeFileName}");
        }

        return new ImageRecipeCatalog(origin, definitions, inputs);
    }

    /// <summary>The recipe named <paramref name="name"/>, resolved; GBX1101 lists the known names when there is none.</summary>
    public ImageRecipe Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!definitions.TryGetValue(name, out var definition))
        {
            throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.RecipeNotFound), name, Origin, string.Join(", ", Names)));
        }

        return resolved.GetOrAdd(name, _ => new Lazy<ImageRecipe>(() => Resolve(definition))).Value;
    }

    /// <summary>Whether a recipe of that name exists.</summary>
    public bool Contains(string name) => definitions.ContainsKey(name);

    /// <summary>Every recipe, resolved, in name order.</summary>
    public IReadOnlyList<ImageRecipe> GetAll() => [.. Names.Select(Get)];

    private ImageRecipe Resolve(RecipeDefinition definition)
    {
        var values = definition.Inputs.Select(input => inputs.Resolve(input.Name, definition.Name)).ToList();
        var byName = values.ToDictionary(input => input.Name, StringComparer.Ordinal);
        string? Raw(string name) => byName.TryGetValue(name, out var input) ? input.Value : null;
        string? Escaped(string name) => byName.TryGetValue(name, out var input) ? Regex.Escape(input.Value) : null;

        var template = definition.SmokeTestTemplate;
        var smokeTest = new SmokeTest(
            [.. template.Command.Select(word => RecipeParser.FillPlaceholders(word, Raw))],
            template.ExpectedOutput is null ? null : RecipeParser.FillPlaceholders(template.ExpectedOutput, Escaped));
        var tag = RecipeParser.FillPlaceholders(definition.TagTemplate, Raw);
        return new ImageRecipe(definition, tag, smokeTest, values, RecipeHasher.Compute(definition.Files, values));
    }

    private static GadugiException FolderInvalid(string origin, string problem) =>
        new(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.RecipeFolderInvalid), origin, problem));
}
