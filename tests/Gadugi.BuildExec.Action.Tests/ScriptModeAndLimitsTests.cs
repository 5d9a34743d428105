using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>'run' as one script (mode: script) or one sandbox per line (mode: lines); env, timeout and memory within the policy.</summary>
[TestClass]
public sealed class ScriptModeAndLimitsTests
{
    [TestMethod]
    public void Script_mode_is_the_default_and_runs_the_whole_block_as_one_bash_e_script()
    {
        using var directory = new TempDirectory();
        var inputs = ActionInputs.Read(new ActionEnvironment(new Dictionary<string, string> { ["INPUT_RUN"] = "x" }));
        const string script = "# build\nif true; then\n  echo a\nfi\n";

        var steps = StepPlan.Parse(script, directory.Path, inputs.Mode);

        Assert.AreEqual(RunMode.Script, inputs.Mode);
        var step = steps.Single();
        CollectionAssert.AreEqual(new[] { "bash", "--noprofile", "--norc", "-e", "-c", script }, step.Command.ToArray());
        Assert.AreEqual("if true; then … (3 lines)", step.Line);
    }

    [TestMethod]
    public void Lines_mode_keeps_one_step_per_line_and_a_lone_script_path_runs_that_file_in_either_mode()
    {
        using var directory = new TempDirectory();
        directory.WriteFile("ci.sh", "echo");

        Assert.HasCount(2, StepPlan.Parse("echo a\necho b", directory.Path, RunMode.Lines));
        CollectionAssert.AreEqual(new[] { "bash", "-e", "ci.sh" }, StepPlan.Parse("ci.sh\n", directory.Path, RunMode.Script).Single().Command.ToArray());
        Assert.AreEqual("GBX5004", Assert.ThrowsExactly<GadugiException>(() => StepPlan.Parse("# nothing\n\n", directory.Path, RunMode.Script)).Code);
        Assert.AreEqual("GBX5003", Assert.ThrowsExactly<GadugiException>(() => Read(("INPUT_MODE", "each"))).Code);
    }

    [TestMethod]
    public void Env_names_take_their_values_from_the_steps_environment_and_credentials_are_never_passed()
    {
        var inputs = Read(("INPUT_ENV", "GREETING, EMPTY\nGREETING"), ("GREETING", "hi"));

        CollectionAssert.AreEquivalent(new[] { "GREETING", "EMPTY" }, inputs.Environment.Keys.ToArray());
        Assert.AreEqual("hi", inputs.Environment["GREETING"]);
        Assert.AreEqual(string.Empty, inputs.Environment["EMPTY"]);
        foreach (var name in new[] { "GITHUB_TOKEN", "INPUT_GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "GH_TOKEN" })
        {
            Assert.AreEqual("GBX5031", Assert.ThrowsExactly<GadugiException>(() => Read(("INPUT_ENV", name))).Code, name);
        }

        Assert.AreEqual("GBX5003", Assert.ThrowsExactly<GadugiException>(() => Read(("INPUT_ENV", "A=B"))).Code);
    }

    [TestMethod]
    public void Env_timeout_and_memory_can_only_narrow_the_policy()
    {
        using var run = new ActionWorkspace(Events.Push(), "push");
        run.WriteFile("p.yml", "policies:\n  build: { image: gadugi/shell:5.2, env: [GREETING], timeout: 10m, memory: 512m }\n");
        ActionSettings Resolve(params (string Name, string Value)[] extra)
        {
            var variables = new Dictionary<string, string> { ["INPUT_RUN"] = "true", ["INPUT_POLICY"] = "build", ["INPUT_POLICY_FILE"] = "p.yml", ["GREETING"] = "hi" };
            foreach (var (name, value) in extra)
            {
                variables[name] = value;
            }

            var environment = new ActionEnvironment(variables);
            return ActionSettings.Resolve(ActionInputs.Read(environment), GitHubContext.Read(new ActionEnvironment(run.Environment("http://127.0.0.1:9", "t", new Dictionary<string, string>(), workspaceInside: run.Workspace))));
        }

        var narrowed = Resolve(("INPUT_ENV", "GREETING"), ("INPUT_TIMEOUT", "90s"), ("INPUT_MEMORY", "256m"));

        Assert.AreEqual(TimeSpan.FromSeconds(90), narrowed.Policy.Timeout);
        Assert.AreEqual(256L * 1024 * 1024, narrowed.Policy.MemoryBytes);
        CollectionAssert.Contains(narrowed.Run.Environment.ToArray(), "GREETING=hi");
        Assert.AreEqual(TimeSpan.FromMinutes(10), Resolve().Policy.Timeout, "no input keeps the policy's");
        Assert.AreEqual("GBX5032", Assert.ThrowsExactly<GadugiException>(() => Resolve(("INPUT_TIMEOUT", "11m"))).Code);
        Assert.AreEqual("GBX5032", Assert.ThrowsExactly<GadugiException>(() => Resolve(("INPUT_MEMORY", "1g"))).Code);
        var notAllowed = Assert.ThrowsExactly<GadugiException>(() => Resolve(("INPUT_ENV", "HOME_SECRET")));
        Assert.AreEqual("GBX5030", notAllowed.Code);
        Assert.Contains("HOME_SECRET", notAllowed.Message);
        Assert.Contains("GREETING", notAllowed.Message, "the message names what the policy allows");
    }

    private static ActionInputs Read(params (string Name, string Value)[] variables) =>
        ActionInputs.Read(new ActionEnvironment(new[] { ("INPUT_RUN", "true") }.Concat(variables).GroupBy(pair => pair.Item1).ToDictionary(group => group.Key, group => group.Last().Item2)));
}
