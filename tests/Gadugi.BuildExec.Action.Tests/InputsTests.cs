using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class InputsTests
{
    private static ActionInputs Read(params (string Name, string Value)[] variables) =>
        ActionInputs.Read(new ActionEnvironment(variables.ToDictionary(pair => pair.Name, pair => pair.Value)));

    [TestMethod]
    public void Unset_inputs_fall_back_to_the_declared_defaults()
    {
        var inputs = Read(("INPUT_RUN", "make"));

        Assert.AreEqual("make", inputs.Run);
        Assert.AreEqual("shell", inputs.Policy);
        Assert.IsNull(inputs.PolicyFile);
        Assert.AreEqual(".", inputs.WorkingDirectory);
        Assert.IsTrue(inputs.Comment);
        Assert.AreEqual("gadugi", inputs.CheckName);
        Assert.AreEqual(FailOn.Error, inputs.FailOn);
        Assert.IsNull(inputs.GitHubToken, "the unexpanded default is no token");
    }

    [TestMethod]
    public void Inputs_are_read_from_the_runner_variables()
    {
        var inputs = Read(
            ("INPUT_RUN", "a\nb"), ("INPUT_POLICY", "python"), ("INPUT_POLICY_FILE", "p.yml"), ("INPUT_WORKING_DIRECTORY", "src"),
            ("INPUT_GITHUB_TOKEN", " ghs_abc "), ("INPUT_COMMENT", "False"), ("INPUT_CHECK_NAME", "unit tests"), ("INPUT_FAIL_ON", "never"));

        Assert.AreEqual("a\nb", inputs.Run);
        Assert.AreEqual("python", inputs.Policy);
        Assert.AreEqual("p.yml", inputs.PolicyFile);
        Assert.AreEqual("src", inputs.WorkingDirectory);
        Assert.AreEqual("ghs_abc", inputs.GitHubToken);
        Assert.IsFalse(inputs.Comment);
        Assert.AreEqual("unit tests", inputs.CheckName);
        Assert.AreEqual(FailOn.Never, inputs.FailOn);
    }

    [TestMethod]
    [DataRow("INPUT_FAIL_ON", "warning", "fail_on")]
    [DataRow("INPUT_COMMENT", "yes", "comment")]
    [DataRow("INPUT_CHECK_NAME", "a--b", "check_name")]
    public void Invalid_values_are_refused_with_GBX5003(string variable, string value, string input)
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => Read(("INPUT_RUN", "x"), (variable, value)));

        Assert.AreEqual("GBX5003", error.Code);
        Assert.Contains($"Input '{input}' has the value '{value}'", error.Message);
    }

    [TestMethod]
    public void The_event_payload_gives_the_pull_request_and_its_repositories()
    {
        using var directory = new TempDirectory();
        var payload = EventPayload.Read(directory.WriteFile("event.json", Support.Events.PullRequest(number: 12, headRepository: "forker/sample")));

        Assert.AreEqual(new PullRequestInfo(12, Support.Events.HeadSha, "forker/sample", "octo/sample") { BaseSha = Support.Events.BaseSha }, payload.PullRequest);
        Assert.IsTrue(payload.PullRequest!.IsFromFork("octo/sample"));
        Assert.IsNull(payload.Problem);
    }

    [TestMethod]
    public void A_pull_request_whose_fork_was_deleted_counts_as_a_fork()
    {
        using var directory = new TempDirectory();
        var json = Support.Events.PullRequest().Replace("\"repo\":{\"full_name\":\"octo/sample\",\"fork\":false}},\"base\"", "\"repo\":null},\"base\"", StringComparison.Ordinal);
        Assert.Contains("\"repo\":null", json);

        var payload = EventPayload.Read(directory.WriteFile("event.json", json));

        Assert.IsTrue(payload.PullRequest!.IsFromFork("octo/sample"));
    }

    [TestMethod]
    public void A_comment_on_a_pull_request_names_it_and_a_push_names_none()
    {
        using var directory = new TempDirectory();
        var comment = EventPayload.Read(directory.WriteFile("c.json", """{"action":"created","issue":{"number":5,"pull_request":{"url":"x"}},"comment":{"body":"hi"}}"""));
        var issue = EventPayload.Read(directory.WriteFile("i.json", """{"action":"created","issue":{"number":6},"comment":{"body":"hi"}}"""));
        var push = EventPayload.Read(directory.WriteFile("p.json", Support.Events.Push()));

        Assert.AreEqual(5, comment.PullRequest!.Number);
        Assert.IsFalse(comment.PullRequest.IsFromFork("octo/sample"));
        Assert.IsNull(issue.PullRequest);
        Assert.IsNull(push.PullRequest);
    }

    [TestMethod]
    public void An_unreadable_event_file_is_a_warning_not_a_failure()
    {
        using var directory = new TempDirectory();
        var payload = EventPayload.Read(directory.WriteFile("event.json", "{not json"));

        Assert.IsNull(payload.PullRequest);
        Assert.AreEqual("GBX5006", payload.Problem!.Code);
    }
}
