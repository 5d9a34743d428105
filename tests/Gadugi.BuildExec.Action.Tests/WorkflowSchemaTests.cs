using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>
/// action.yml, this repository's workflows and every workflow the docs tell users to copy validate
/// against GitHub's schemas (action-validator, installed by the set-up into eng/tools). There is no
/// GitHub here to run them, so this is what catches a misspelt key before a user does.
/// </summary>
[TestClass]
public sealed partial class WorkflowSchemaTests
{
    private static readonly string[] DocumentsWithWorkflows = ["README.md", "docs/action.md"];

    [GeneratedRegex(@"^```yaml\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    private static string Validator()
    {
        var path = RepoFiles.Path("eng/tools/node_modules/.bin/action-validator");
        Assert.IsTrue(File.Exists(path), $"{path} is missing: run ./build.sh setup (it runs 'npm ci' in eng/tools)");
        return path;
    }

    private static async Task AssertValidAsync(string file, string shownAs)
    {
        var result = await ChildProcess.RunAsync(Validator(), [file]);
        Assert.AreEqual(0, result.ExitCode, $"{shownAs} does not validate:\n{result.Output}");
    }

    [TestMethod]
    public async Task Action_yml_validates()
    {
        await AssertValidAsync(RepoFiles.Path("action.yml"), "action.yml");
    }

    [TestMethod]
    public async Task The_sample_that_fans_workflow_tasks_out_validates()
    {
        await AssertValidAsync(RepoFiles.Path("samples/gadugi/github-workflow.yml"), "samples/gadugi/github-workflow.yml");
    }

    [TestMethod]
    public async Task Every_workflow_of_this_repository_validates()
    {
        var workflows = Directory.GetFiles(RepoFiles.Path(".github/workflows"), "*.yml");
        Assert.IsNotEmpty(workflows);
        foreach (var workflow in workflows)
        {
            await AssertValidAsync(workflow, Path.GetRelativePath(RepoFiles.Root, workflow));
        }
    }

    [TestMethod]
    public async Task Every_workflow_the_docs_show_validates()
    {
        using var scratch = new TempDirectory();
        var checkedBlocks = 0;
        foreach (var document in DocumentsWithWorkflows)
        {
            var blocks = YamlBlock().Matches(RepoFiles.Read(document)).Select(match => match.Groups["body"].Value);
            foreach (var (block, index) in blocks.Select((block, index) => (block, index)))
            {
                if (!Regex.IsMatch(block, @"^jobs:", RegexOptions.Multiline, TimeSpan.FromSeconds(1)))
                {
                    continue; // a policy file or a single step, not a whole workflow
                }

                var file = Path.Combine(scratch.Path, $"{Path.GetFileNameWithoutExtension(document)}-{index}.yml");
                await File.WriteAllTextAsync(file, block);
                await AssertValidAsync(file, $"the workflow in yaml block {index + 1} of {document}");
                checkedBlocks++;
            }
        }

        Assert.IsGreaterThanOrEqualTo(2, checkedBlocks, "README.md and docs/action.md each show a whole workflow");
    }

    [TestMethod]
    public async Task The_validator_refuses_a_misspelt_key()
    {
        // Proves the checks above can fail: 'step' instead of 'steps'.
        using var scratch = new TempDirectory();
        var file = Path.Combine(scratch.Path, "broken.yml");
        await File.WriteAllTextAsync(file, "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo hi\n");

        var result = await ChildProcess.RunAsync(Validator(), [file]);

        Assert.AreNotEqual(0, result.ExitCode, result.Output);
        StringAssert.Contains(result.Output, "step");
    }
}
