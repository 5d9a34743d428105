namespace Gadugi.BuildExec.Images;

/// <summary>
/// What a recipe.yaml says, before dynamic inputs are resolved: the tag and smoke test may
/// still hold "{input}" placeholders.
/// </summary>
internal sealed record RecipeDefinition
{
    public required string Name { get; init; }

    public required string Repository { get; init; }

    public required string TagTemplate { get; init; }

    public required string Description { get; init; }

    public required string Suite { get; init; }

    public required IReadOnlyList<string> Packages { get; init; }

    public required IReadOnlyList<string> Hooks { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public required SmokeTest SmokeTestTemplate { get; init; }

    public required IReadOnlyList<DeclaredInput> Inputs { get; init; }

    /// <summary>Where the recipe came from, for messages: a file path or "embedded:python/recipe.yaml".</summary>
    public required string Source { get; init; }

    /// <summary>The recipe folder's files, then common/'s files.</summary>
    public required IReadOnlyList<RecipeFile> Files { get; init; }
}

/// <summary>An input named under <c>inputs:</c>, with its position for error messages.</summary>
internal sealed record DeclaredInput(string Name, int Line, int Column);
