using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Policies;

[TestClass]
public sealed class ShippedPolicyFilesTests
{
    [TestMethod]
    public void The_gadugi_sample_policies_load()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "samples", "gadugi")))
        {
            directory = directory.Parent;
        }

        var set = PolicyFileLoader.LoadFile(Path.Combine(directory!.FullName, "samples", "gadugi", "policies.yaml"));

        CollectionAssert.AreEquivalent(new[] { "hook", "implementation", "testing", "task" }, set.FilePolicies.Keys.ToArray());
        Assert.AreEqual(WorkspaceAccess.ReadWrite, set.Resolve("hook").Workspace);
        Assert.AreEqual(SandboxRuntime.Gvisor, set.Resolve("task").Runtime);
    }
}
