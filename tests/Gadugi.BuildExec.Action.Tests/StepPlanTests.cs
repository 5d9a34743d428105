using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class StepPlanTests
{
    [TestMethod]
    public void Each_line_is_a_step_run_with_bash_and_comments_and_blank_lines_are_skipped()
    {
        using var directory = new TempDirectory();
        directory.WriteFile("scripts/build.sh", "echo hi");

        var steps = StepPlan.Parse("  # build first\nscripts/build.sh\n\n  make test -j2 \r\nscripts/missing.sh\n", directory.Path);

        Assert.HasCount(3, steps);
        CollectionAssert.AreEqual(new[] { "bash", "scripts/build.sh" }, steps[0].Command.ToArray());
        CollectionAssert.AreEqual(new[] { "bash", "-c", "make test -j2" }, steps[1].Command.ToArray());
        CollectionAssert.AreEqual(new[] { "bash", "-c", "scripts/missing.sh" }, steps[2].Command.ToArray(), "a missing script is left to bash, which says so");
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, steps.Select(step => step.Number).ToArray());
        Assert.AreEqual("make test -j2", steps[1].Line);
    }

    [TestMethod]
    [DataRow("../outside.sh")]
    [DataRow("/etc/passwd")]
    [DataRow("build.sh;id")]
    [DataRow("$(id)")]
    public void Only_a_plain_path_to_a_file_inside_the_working_directory_is_a_script(string line)
    {
        using var directory = new TempDirectory();
        var inner = directory.CreateDirectory("repo");
        directory.WriteFile("outside.sh", "echo");
        directory.WriteFile("repo/build.sh", "echo");

        Assert.IsFalse(StepPlan.IsScriptPath(line, inner));
        Assert.IsTrue(StepPlan.IsScriptPath("build.sh", inner));
    }

    [TestMethod]
    public void No_command_at_all_is_GBX5004()
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => StepPlan.Parse("\n # only a comment\n", "/tmp"));

        Assert.AreEqual("GBX5004", error.Code);
    }
}
