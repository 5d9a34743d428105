using Gadugi.BuildExec.Tasks.Tests.Support;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>&lt;ContainerWorkflow&gt; through MSBuild's task API against the real engine.</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerWorkflowTaskTests
{
    private string _project = null!;

    [TestInitialize]
    public void CreateProject()
    {
        _project = Directory.CreateTempSubdirectory("gbx-workflow-task-").FullName;
        File.SetUnixFileMode(_project, (UnixFileMode)0x1ED);
        Directory.CreateDirectory(Path.Combine(_project, ".gadugi"));
    }

    [TestCleanup]
    public void DeleteProject() => Directory.Delete(_project, recursive: true);

    private (ContainerWorkflow Task, RecordingBuildEngine Engine) NewTask(string yaml)
    {
        File.WriteAllText(Path.Combine(_project, ".gadugi", "workflow.yaml"), yaml);
        var engine = new RecordingBuildEngine(Path.Combine(_project, "app.csproj"));
        return (new ContainerWorkflow { BuildEngine = engine.Engine, File = ".gadugi/workflow.yaml", AuditLog = Path.Combine(_project, "audit.jsonl") }, engine);
    }

    [TestMethod]
    public void A_failed_phase_is_a_coded_build_error_and_an_output_item_and_its_dependant_is_blocked()
    {
        var (task, engine) = NewTask("""
            version: 1
            isolation: directory
            phases:
              - { id: build, policy: shell, steps: [ { run: '[ "$GADUGI_TASK" != bad ] || { echo broken >&2; exit 4; }' } ] }
            tasks:
              - { id: good }
              - { id: bad }
              - { id: after, needs: [bad] }
            """);

        Assert.IsFalse(task.Execute(), engine.Log);

        var failed = engine.Errors.Single(e => e.Code == "GBX4070");
        StringAssert.Contains(failed.Message, "'bad', phase 'build' failed: step step1 exited 4");
        Assert.AreEqual("blocked by bad/build", engine.Errors.Single(e => e.Code == "GBX4071").Message!.Split(": ", 2)[1].TrimEnd('.'));
        Assert.AreEqual("bad/build", task.FailedPhases.Single().ItemSpec);
        StringAssert.Contains(File.ReadAllText(task.FailedPhases.Single().GetMetadata("Log")), "broken");
        Assert.IsTrue(File.Exists(task.SummaryPath), task.SummaryPath);
        StringAssert.Contains(task.SummaryPath!, task.RunId!);
    }

    [TestMethod]
    public void A_workflow_file_problem_is_a_located_error_and_nothing_runs()
    {
        var (task, engine) = NewTask("version: 1\nisolation: directory\nphases:\n  - { id: p, policy: nosuch, steps: [ { run: 'true' } ] }\ntasks: [ { id: a } ]\n");

        Assert.IsFalse(task.Execute(), engine.Log);

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX6007", error.Code);
        Assert.AreEqual((4, 22), (error.LineNumber, error.ColumnNumber));
        Assert.IsFalse(Directory.Exists(Path.Combine(_project, ".gadugi", "runs")));
    }
}
