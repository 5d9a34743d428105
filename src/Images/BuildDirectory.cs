namespace Gadugi.BuildExec.Images;

/// <summary>
/// A private scratch folder for one image build (staged recipe files, mmdebstrap's TMPDIR, the
/// rootfs tarball). Disposing it detaches anything still mounted beneath it first (mmdebstrap
/// mounts /proc, /sys and /dev/pts in the new root), so deleting never reaches into a mount.
/// </summary>
internal sealed class BuildDirectory : IAsyncDisposable
{
    private BuildDirectory(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Where the recipe tree is staged for the hook scripts.</summary>
    public string Recipes => System.IO.Path.Combine(Path, "recipes");

    /// <summary>mmdebstrap's TMPDIR: its own temporary root lands here, inside what we clean.</summary>
    public string Temporary => System.IO.Path.Combine(Path, "tmp");

    public string RootfsTarball => System.IO.Path.Combine(Path, "rootfs.tar");

    public static BuildDirectory Create(string parent, string recipeName)
    {
        Directory.CreateDirectory(parent);
        var shortName = recipeName.Length > 24 ? recipeName[..24] : recipeName;
        var path = System.IO.Path.Combine(parent, $"gadugi-image-{shortName}-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // Others may only traverse: apt downloads as user _apt into mmdebstrap's folder below tmp/.
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        var directory = new BuildDirectory(path);
        Directory.CreateDirectory(directory.Recipes);
        Directory.CreateDirectory(directory.Temporary);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.Temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        return directory;
    }

    /// <summary>Writes the recipe's files (and common/) under <see cref="Recipes"/>, keeping their relative paths.</summary>
    public void Stage(IEnumerable<RecipeFile> files)
    {
        foreach (var file in files)
        {
            var target = System.IO.Path.Combine(Recipes, file.Path.Replace('/', System.IO.Path.DirectorySeparatorChar));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, file.Content.ToArray());
        }
    }

    /// <summary>The staged copy of a recipe file.</summary>
    public string StagedPath(string relativePath) =>
        System.IO.Path.Combine(Recipes, relativePath.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public ValueTask DisposeAsync()
    {
        // A mount that cannot be detached means the folder cannot be deleted safely: leave it.
        if (MountTable.DetachAllBelow(Path).Count == 0 && Directory.Exists(Path))
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Never mask the build's own outcome with a cleanup failure.
            }
        }

        return ValueTask.CompletedTask;
    }
}
