namespace Gadugi.BuildExec.Images;

/// <summary>
/// A value a recipe takes from the building machine (e.g. the host .NET SDK).
/// <see cref="Value"/> replaces "{name}" in the recipe's tag and smoke test;
/// <see cref="Fingerprint"/> goes into the recipe hash; <see cref="HookEnvironment"/> is passed to hooks.
/// </summary>
public sealed record RecipeInput(
    string Name,
    string Value,
    string Fingerprint,
    IReadOnlyDictionary<string, string> HookEnvironment);

/// <summary>Resolves the dynamic inputs recipes may declare under <c>inputs:</c>.</summary>
public interface IRecipeInputProvider
{
    /// <summary>The input names this provider can resolve.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Resolves <paramref name="inputName"/> for <paramref name="recipeName"/>; throws a coded error when the machine lacks it.</summary>
    RecipeInput Resolve(string inputName, string recipeName);
}
