namespace Gadugi.BuildExec.Tasks.Tests.Unit;

[TestClass]
public sealed class WorkspacePathsTests
{
    [TestMethod]
    [DataRow("/workspace/src/a.cs(3,5): error CS1002: ; expected", "/home/me/repo/src/a.cs(3,5): error CS1002: ; expected")]
    [DataRow("  3>/workspace/x.ts(1): warning TS1: w", "  3>/home/me/repo/x.ts(1): warning TS1: w")]
    [DataRow("/workspace(1): error E1: root", "/home/me/repo(1): error E1: root")]
    [DataRow("see /workspace/a.cs", "see /workspace/a.cs")]
    [DataRow("/workspaces/a.cs(1): error E: other dir", "/workspaces/a.cs(1): error E: other dir")]
    public void Only_a_leading_workspace_path_is_mapped_to_the_host(string line, string expected)
    {
        Assert.AreEqual(expected, WorkspacePaths.ToHost(line, "/home/me/repo/"));
    }
}
