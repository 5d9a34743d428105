using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Core.Tests.Workflows;

[TestClass]
public sealed class WorkflowFileLoaderTests
{
    private const string Head = "version: 1\nisolation: directory\n";
    private const string OnePhase = "phases:\n  - { id: p, policy: shell, steps: [ { run: 'true' } ] }\n";

    private static PolicySet Policies(string _) => PolicyFileLoader.Parse("policies:\n  rw:\n    image: \"gadugi/shell:5.2\"\n    workspace: rw\n    env: [CI]\n", "/project/.gadugi/policies.yaml");

    [TestMethod]
    public void A_valid_workflow_resolves_policies_steps_needs_and_vars()
    {
        var workflow = WorkflowFileLoader.Parse(Head + "policy_file: policies.yaml\nmax_parallel: 3\n" +
            "phases:\n  - id: impl\n    policy: rw\n    steps:\n      - { run: make, env: [CI] }\n  - { id: test, policy: shell, inputs: [impl], steps: [ { id: unit, run: 'true', continue_on_error: true } ], gate: { outputs: [out/report.txt] }, artifact: .task/a.json }\n" +
            "tasks:\n  - { id: a, vars: { prompt: p.md }, dir: a }\n  - { id: b, needs: [a], dir: b }\n", "/project/.gadugi/workflow.yaml", Policies);

        Assert.AreEqual("/project", workflow.Root);
        Assert.AreEqual(3, workflow.MaxParallel);
        Assert.AreEqual("rw", workflow.Phases[0].Policy.Name);
        Assert.AreEqual("step1", workflow.Phases[0].Steps[0].Id);
        Assert.IsTrue(workflow.Phases[1].Steps[0].ContinueOnError);
        Assert.AreEqual("p.md", workflow.Tasks[0].Vars["PROMPT"]);
        CollectionAssert.AreEqual(new[] { "a" }, workflow.Tasks[1].Needs.ToArray());
        Assert.HasCount(2, TaskGraph.Levels(workflow.Tasks));
    }

    [TestMethod]
    [DataRow("version: 1\nphases: [\n", "GBX6002", 3, 1, DisplayName = "YAML syntax")]
    [DataRow(Head + "max_parallel: 0\n" + OnePhase + "tasks: [ { id: a } ]\n", "GBX6003", 3, 15, DisplayName = "invalid value")]
    [DataRow(Head + OnePhase, "GBX6004", 1, 1, DisplayName = "missing tasks")]
    [DataRow(Head + "paralel: 2\n" + OnePhase + "tasks: [ { id: a } ]\n", "GBX6005", 3, 1, DisplayName = "unknown key")]
    [DataRow(Head + OnePhase + "tasks: [ { id: a }, { id: a } ]\n", "GBX6006", 5, 27, DisplayName = "duplicate id")]
    [DataRow(Head + "phases:\n  - { id: p, policy: nosuch, steps: [ { run: 'true' } ] }\ntasks: [ { id: a } ]\n", "GBX6007", 4, 22, DisplayName = "unknown policy")]
    [DataRow(Head + OnePhase + "tasks: [ { id: a, needs: [zz] } ]\n", "GBX6008", 5, 26, DisplayName = "unknown needs")]
    [DataRow(Head + OnePhase + "tasks:\n  - { id: a, needs: [c] }\n  - { id: b, needs: [a] }\n  - { id: c, needs: [b] }\n", "GBX6009", 6, 21, DisplayName = "cycle")]
    [DataRow(Head + "policy_file: policies.yaml\nphases:\n  - { id: p, policy: rw, steps: [ { run: 'true' } ] }\ntasks:\n  - { id: a, dir: src }\n  - { id: b, dir: src/lib }\n", "GBX6010", 8, 5, DisplayName = "shared write directory")]
    [DataRow(Head + "phases:\n  - { id: p, policy: shell, steps: [ { run: 'true' } ], gate: { outputs: [../etc/passwd] } }\ntasks: [ { id: a } ]\n", "GBX6011", 4, 75, DisplayName = "gate path with ..")]
    [DataRow(Head + "phases:\n  - { id: p, policy: shell, steps: [ { run: 'true' } ], gate: { outputs: [/etc/passwd] } }\ntasks: [ { id: a } ]\n", "GBX6011", 4, 75, DisplayName = "absolute gate path")]
    [DataRow(Head + "phases:\n  - { id: p, policy: shell, steps: [ { run: 'true', env: [SECRET] } ] }\ntasks: [ { id: a } ]\n", "GBX6012", 4, 59, DisplayName = "env not allowed")]
    [DataRow(Head + "phases:\n  - { id: p, policy: shell, inputs: [later], steps: [ { run: 'true' } ] }\ntasks: [ { id: a } ]\n", "GBX6013", 4, 38, DisplayName = "unknown input")]
    [DataRow(Head + "policy_file: missing.yaml\n" + OnePhase + "tasks: [ { id: a } ]\n", "GBX6015", 3, 14, DisplayName = "unusable policy file")]
    public void Each_problem_is_a_located_coded_error_and_nothing_is_returned(string yaml, string code, int line, int column)
    {
        var error = Assert.ThrowsExactly<WorkflowFileException>(() => WorkflowFileLoader.Parse(yaml, "/project/.gadugi/workflow.yaml", file => file.EndsWith("policies.yaml", StringComparison.Ordinal) ? Policies(file) : PolicyFileLoader.LoadFile(file)));

        Assert.AreEqual("GBX6014", error.Code);
        var issue = error.Issues.First(i => i.Diagnostic.Code == code);
        Assert.AreEqual((line, column), ((int)issue.Line, (int)issue.Column), issue.ToString());
        StringAssert.Contains(error.Message, code);
    }

    [TestMethod]
    public void A_cycle_is_printed_along_its_needs()
    {
        var error = Assert.ThrowsExactly<WorkflowFileException>(() => WorkflowFileLoader.Parse(Head + OnePhase + "tasks:\n  - { id: a, needs: [b] }\n  - { id: b, needs: [a] }\n", "/p/workflow.yaml"));

        StringAssert.Contains(error.Issues.Single().Diagnostic.Text, "a → b → a");
    }
}
