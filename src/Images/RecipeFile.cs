namespace Gadugi.BuildExec.Images;

/// <summary>
/// One file of the recipe tree, addressed relative to its root with '/' separators
/// ("python/recipe.yaml", "common/harden.sh"), whether it came from disk or from the assembly.
/// </summary>
public sealed record RecipeFile(string Path, ReadOnlyMemory<byte> Content)
{
    /// <summary>The first path segment: the recipe's folder, or "common".</summary>
    public string Folder => Path.Split('/')[0];
}
