using Gadugi.BuildExec.Cli.Commands;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>Every command and subcommand prints its usage for --help and -h and exits 0.</summary>
[TestClass]
public sealed class HelpTests
{
    [TestMethod]
    public async Task Every_command_and_subcommand_prints_its_usage_for_help_and_h()
    {
        var paths = CliCommands.Walk(CliCommands.CreateRoot(RunCommand.Create())).Prepend([]).ToList();
        Assert.IsTrue(paths.Any(path => path is ["run"]) && paths.Any(path => path is ["policy", "check"]), string.Join(", ", paths.Select(path => string.Join(' ', path))));

        var failures = new List<string>();
        foreach (var path in paths)
        {
            foreach (var flag in new[] { "--help", "-h" })
            {
                var outcome = await Support.Cli.RunAsync(Path.GetTempPath(), null, null, [.. path, flag]);
                var usage = $"gadugi-exec {string.Join(' ', path)}".TrimEnd();
                if (outcome.ExitCode != 0 || !outcome.Stdout.Contains("Usage:", StringComparison.Ordinal) || !outcome.Stdout.Contains(usage, StringComparison.Ordinal) || outcome.Stderr.Length > 0)
                {
                    failures.Add($"'{string.Join(' ', [.. path, flag])}': exit {outcome.ExitCode}\n{outcome}");
                }
            }
        }

        Assert.IsEmpty(failures, string.Join("\n\n", failures));
    }

    [TestMethod]
    public async Task Run_without_a_command_names_a_help_command_that_works()
    {
        var missing = await Support.Cli.RunAsync(Path.GetTempPath(), null, null, "run");
        var advice = System.Text.RegularExpressions.Regex.Match(missing.Stderr, "Run '(gadugi-exec [^']+)'");
        Assert.AreEqual(125, missing.ExitCode, missing.ToString());
        Assert.IsTrue(advice.Success, missing.ToString());

        var help = await Support.Cli.RunAsync(Path.GetTempPath(), null, null, advice.Groups[1].Value.Split(' ')[1..]);

        Assert.AreEqual(0, help.ExitCode, help.ToString());
        StringAssert.Contains(help.Stdout, "gadugi-exec run <command>");
    }
}
