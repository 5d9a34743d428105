using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>docs/action.md lists every input (with action.yml's default) and every output; the README's sample uses a tag the release creates.</summary>
[TestClass]
public sealed partial class ActionDocsTests
{
    [GeneratedRegex(@"^\| `(?<name>[a-z_]+)` \| (?<default>[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    private static YamlMappingNode Section(string name)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(RepoFiles.Read("action.yml")));
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode(name)];
    }

    private static string DocSection(string heading)
    {
        var text = RepoFiles.Read("docs/action.md");
        var start = text.IndexOf("\n## " + heading + "\n", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"docs/action.md has a '## {heading}' section");
        var end = text.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    /// <summary>How the docs write a default: `value`, `'value'` for YAML strings that look like booleans, `''` for empty.</summary>
    private static string Documented(string? value) => value switch
    {
        null => "(required)",
        "" => "`''`",
        "true" or "false" => $"`'{value}'`",
        _ => $"`{value}`",
    };

    [TestMethod]
    public void Every_input_is_documented_with_the_default_action_yml_declares()
    {
        var rows = TableRow().Matches(DocSection("Inputs")).ToDictionary(match => match.Groups["name"].Value, match => match.Groups["default"].Value.Trim());
        var inputs = Section("inputs").Children.ToDictionary(
            pair => ((YamlScalarNode)pair.Key).Value!,
            pair => ((YamlMappingNode)pair.Value).Children.TryGetValue(new YamlScalarNode("default"), out var node) ? ((YamlScalarNode)node).Value : null);

        CollectionAssert.AreEquivalent(inputs.Keys.ToArray(), rows.Keys.ToArray(), "docs/action.md's Inputs table lists exactly action.yml's inputs");
        foreach (var (name, value) in inputs)
        {
            Assert.AreEqual(Documented(value), rows[name], $"the documented default of input '{name}'");
        }
    }

    [TestMethod]
    public void Every_output_is_documented()
    {
        var rows = TableRow().Matches(DocSection("Outputs")).Select(match => match.Groups["name"].Value).ToArray();
        var outputs = Section("outputs").Children.Keys.Cast<YamlScalarNode>().Select(key => key.Value!).ToArray();

        CollectionAssert.AreEquivalent(outputs, rows);
    }

    [TestMethod]
    public void The_readme_sample_uses_the_major_tag_the_release_workflow_moves()
    {
        var uses = Regex.Matches(RepoFiles.Read("README.md"), @"uses: gadugi/gadugi-buildexec@(?<ref>\S+)").Select(match => match.Groups["ref"].Value).ToArray();
        var release = RepoFiles.Read(".github/workflows/release.yml");

        Assert.IsNotEmpty(uses);
        Assert.IsTrue(uses.All(reference => Regex.IsMatch(reference, @"^v[1-9][0-9]*$")), "a major tag: " + string.Join(", ", uses));
        Assert.Contains("git tag -fa \"v$MAJOR\"", release, "the release workflow moves the major tag");
        Assert.Contains("image: docker://$REFERENCE", release, "the released action.yml names the pushed image by digest");
        Assert.Contains("echo \"major=${version%%.*}\"", release);
    }

    [TestMethod]
    public void The_release_workflow_rebuilds_and_republishes_the_runtime_images_on_its_schedule()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(RepoFiles.Read(".github/workflows/release.yml")));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var on = (YamlMappingNode)root.Children[new YamlScalarNode("on")];
        var cron = ((YamlMappingNode)((YamlSequenceNode)on.Children[new YamlScalarNode("schedule")]).Children[0]).Children[new YamlScalarNode("cron")];
        var job = (YamlMappingNode)((YamlMappingNode)root.Children[new YamlScalarNode("jobs")]).Children[new YamlScalarNode("runtime-images")];
        var runs = ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>()
            .Select(step => step.Children.TryGetValue(new YamlScalarNode("run"), out var run) ? ((YamlScalarNode)run).Value! : string.Empty)
            .ToList();

        Assert.IsFalse(string.IsNullOrWhiteSpace(((YamlScalarNode)cron).Value), "a weekly schedule");
        Assert.IsFalse(job.Children.ContainsKey(new YamlScalarNode("if")), "the job runs on the schedule as on a release");
        Assert.IsTrue(runs.Any(run => run.Contains("gadugi-exec images build --refresh shell python node multi", StringComparison.Ordinal)), "rebuilt with current packages");
        Assert.IsTrue(runs.Any(run => run.Contains("docker push \"$target:$tag\"", StringComparison.Ordinal) && run.Contains("io.gadugi.packages-sha256", StringComparison.Ordinal)), "republished with the manifest digest");
        Assert.AreEqual("write", ((YamlScalarNode)((YamlMappingNode)job.Children[new YamlScalarNode("permissions")]).Children[new YamlScalarNode("packages")]).Value);
    }

    /// <summary>The README's sample step's 'run' block, as the runner would pass it.</summary>
    internal static string ReadmeSampleRun()
    {
        var block = Regex.Match(RepoFiles.Read("README.md"), @"^```yaml\n(?<body>name: build\n.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline).Groups["body"].Value;
        var stream = new YamlStream();
        stream.Load(new StringReader(block));
        var steps = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("jobs")]).Children[new YamlScalarNode("build")]).Children[new YamlScalarNode("steps")];
        var action = steps.Children.Cast<YamlMappingNode>().Single(step => step.Children.TryGetValue(new YamlScalarNode("uses"), out var uses) && ((YamlScalarNode)uses).Value!.StartsWith("gadugi/gadugi-buildexec@", StringComparison.Ordinal));
        var with = (YamlMappingNode)action.Children[new YamlScalarNode("with")];
        Assert.IsFalse(with.Children.ContainsKey(new YamlScalarNode("policy")) || with.Children.ContainsKey(new YamlScalarNode("policy_file")), "the sample needs nothing but the action");
        return ((YamlScalarNode)with.Children[new YamlScalarNode("run")]).Value!;
    }
}
