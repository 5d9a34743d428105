namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// A test's own temporary folder, readable by the sandbox user (0755), with a workspace in it for
/// sandboxes to mount; deleted with everything in it by Delete (the test class's cleanup).
/// </summary>
internal sealed class ScratchFolder
{
    public ScratchFolder(string prefix)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0x1ED);
    }

    public string Root { get; }

    /// <summary>The workspace folder (created on first use, 0755).</summary>
    public string Workspace()
    {
        var workspace = Directory.CreateDirectory(Path.Combine(Root, "workspace")).FullName;
        File.SetUnixFileMode(workspace, (UnixFileMode)0x1ED);
        return workspace;
    }

    public void Delete() => Directory.Delete(Root, recursive: true);
}
