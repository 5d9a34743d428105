using System.Reflection;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Images;

/// <summary>Reads the recipe tree (common/ plus one folder per recipe) from the assembly or from disk.</summary>
public static class RecipeFiles
{
    /// <summary>Prefix of the manifest resource names the Core project gives the files under images/.</summary>
    internal const string ResourcePrefix = "gadugi-images/";

    /// <summary>The recipes shipped inside Gadugi.BuildExec.Images.</summary>
    public static IReadOnlyList<RecipeFile> Embedded()
    {
        var assembly = typeof(RecipeFiles).Assembly;
        var files = new List<RecipeFile>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var path = resource.Replace('\\', '/');
            if (!path.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            files.Add(new RecipeFile(path[ResourcePrefix.Length..], Read(assembly, resource)));
        }

        return files;
    }

    /// <summary>
    /// Every file under <paramref name="directory"/> that belongs to a folder (top-level files such as
    /// README.md are not part of any recipe), skipping dot-files as the embedded copy does.
    /// </summary>
    public static IReadOnlyList<RecipeFile> FromDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.RecipeFolderInvalid), root, "it does not exist"));
        }

        var files = new List<RecipeFile>();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var path = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!path.Contains('/', StringComparison.Ordinal) || path.Split('/').Any(segment => segment.StartsWith('.')))
            {
                continue;
            }

            files.Add(new RecipeFile(path, File.ReadAllBytes(file)));
        }

        return files;
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Manifest resource '{resource}' vanished.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
