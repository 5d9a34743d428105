using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class ReportTests
{
    private static readonly ReportLinks Links = new("0123456789abcdef0123", "https://github.example/octo/sample/actions/runs/42");

    [TestMethod]
    public void The_report_has_a_row_per_step_the_failing_tails_and_the_audit_head()
    {
        var report = Reports.Of(
            Reports.Passed(1, "make build"),
            Reports.Failed(2, "make test", 2, ["Running tests", "FAIL: adds numbers"]),
            Reports.Failed(3, "sleep 999", 137, [], KillReason.Timeout),
            Reports.NotRun(4, "make docs"));

        var text = MarkdownReport.Build(report, Reports.Policy, ReportTarget.JobSummary, Links);

        Assert.StartsWith("### ❌ Gadugi BuildExec · gadugi: 3 of 4 steps failed", text);
        Assert.Contains("| 1 | <code>make build</code> | ✅ 0 | – | 1.2 s | 5 MiB | 512 MiB memory · 1 CPU · 256 pids · net none · ro root · timeout 30m | 🔒 sandboxed |", text);
        Assert.Contains("| 3 | <code>sleep 999</code> | ❌ 137 | timeout |", text);
        Assert.Contains("| 4 | <code>make docs</code> | 125 | – | – | – | – | ⛔ not run (GBX5007) |", text);
        Assert.Contains("#### Step 2 <code>make test</code> exited 2", text);
        Assert.Contains("```text\nRunning tests\nFAIL: adds numbers\n```", text);
        Assert.Contains("#### Step 3 <code>sleep 999</code> was killed (timeout), exit 137", text);
        Assert.Contains("#### Step 4 <code>make docs</code> could not run", text);
        Assert.Contains("head <code>" + new string('a', 64) + "</code>", text);
        Assert.DoesNotContain("<!-- gadugi-buildexec", text);
    }

    [TestMethod]
    public void The_comment_starts_with_its_marker_and_links_the_commit_and_run()
    {
        var text = MarkdownReport.Build(Reports.Of(Reports.Passed(1, "true")), Reports.Policy, ReportTarget.Comment, Links);

        Assert.StartsWith("<!-- gadugi-buildexec:gadugi -->\n### ✅ Gadugi BuildExec · gadugi: 1 step passed", text);
        Assert.Contains("Commit <code>0123456789ab</code> · [workflow run](https://github.example/octo/sample/actions/runs/42)", text);
    }

    [TestMethod]
    public void Output_cannot_close_its_fence_or_inject_markup()
    {
        var hostile = new[] { "```", "</details><img src=x onerror=alert(1)>", "````` five", "\u0007bell" };
        var report = Reports.Of(Reports.Failed(1, "echo '|`<b>x</b>`|'", 1, hostile));

        var text = MarkdownReport.Build(report, Reports.Policy, ReportTarget.Comment, Links);

        Assert.Contains("<code>echo &#39;&#124;`&lt;b&gt;x&lt;/b&gt;`&#124;&#39;</code>", text);
        var fence = Regex.Match(text, "(`{3,})text\n").Groups[1].Value;
        Assert.AreEqual(6, fence.Length, "one backtick longer than the longest run in the output");
        var body = text[(text.IndexOf(fence + "text\n", StringComparison.Ordinal) + fence.Length + 5)..];
        Assert.StartsWith("```\n</details><img", body, "inside the fence the text is literal");
        Assert.DoesNotContain("\u0007", text);
    }

    [TestMethod]
    public void A_huge_report_is_shortened_to_fit_the_comment_limit()
    {
        var tail = Enumerable.Range(0, StepOutcomeTail).Select(i => new string('x', 400) + i).ToList();
        var steps = Enumerable.Range(1, 40).Select(i => Reports.Failed(i, "step " + i, 1, tail)).ToArray();

        var text = MarkdownReport.Build(Reports.Of(steps), Reports.Policy, ReportTarget.Comment, Links);

        Assert.IsLessThanOrEqualTo(MarkdownReport.MaxLength(ReportTarget.Comment), text.Length);
        Assert.Contains("| 40 | <code>step 40</code>", text, "the table survives shortening");
        Assert.Contains("**Audit log**", text);
    }

    private const int StepOutcomeTail = 200;

    [TestMethod]
    public void Outputs_use_a_delimiter_the_value_does_not_contain()
    {
        using var directory = new TempDirectory();
        var file = directory.WriteFile("output", string.Empty);
        var redactor = new SecretRedactor();
        redactor.Add("ghs_secret_value");

        new GitHubOutputWriter(file, redactor).Write(new Dictionary<string, string>
        {
            ["result"] = "line one\nexit_code<<EOF\n0\nEOF\nghs_secret_value",
            ["exit_code"] = "2",
        });

        var parsed = ParseOutputFile(File.ReadAllText(file));
        Assert.AreEqual("line one\nexit_code<<EOF\n0\nEOF\n***", parsed["result"]);
        Assert.AreEqual("2", parsed["exit_code"]);
        Assert.HasCount(2, parsed);
    }

    [TestMethod]
    public void Workflow_command_data_and_properties_are_escaped_and_secrets_masked()
    {
        using var capture = new ConsoleCapture();
        capture.Console.Redactor.Add("s3cr3t-token");

        capture.Console.Warning("50% done\r\nnext s3cr3t-token", title: "a:b,c");
        capture.Console.WriteRaw("partial"u8);
        capture.Console.Notice("after");

        Assert.AreEqual("::warning title=a%3Ab%2Cc::50%25 done%0D%0Anext ***\npartial\n::notice::after\n", capture.Text);
    }

    /// <summary>Reads GITHUB_OUTPUT the way the runner does (name&lt;&lt;delimiter … delimiter, or name=value).</summary>
    private static Dictionary<string, string> ParseOutputFile(string text)
    {
        var result = new Dictionary<string, string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var heredoc = lines[i].IndexOf("<<", StringComparison.Ordinal);
            var equals = lines[i].IndexOf('=', StringComparison.Ordinal);
            if (heredoc > 0 && (equals < 0 || heredoc < equals))
            {
                var name = lines[i][..heredoc];
                var delimiter = lines[i][(heredoc + 2)..];
                var value = new List<string>();
                while (lines[++i] != delimiter)
                {
                    value.Add(lines[i]);
                }

                result[name] = string.Join('\n', value);
            }
            else
            {
                result[lines[i][..equals]] = lines[i][(equals + 1)..];
            }
        }

        return result;
    }
}
