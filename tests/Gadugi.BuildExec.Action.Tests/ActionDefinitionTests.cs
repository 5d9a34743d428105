using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>action.yml, the Dockerfile and the code agree: every input and output on both sides, same defaults, GitHub's Docker rules.</summary>
[TestClass]
public sealed partial class ActionDefinitionTests
{
    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SnakeCase();

    private static YamlMappingNode ActionYml()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(RepoFiles.Read("action.yml")));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Section(string name) => (YamlMappingNode)ActionYml().Children[new YamlScalarNode(name)];

    [TestMethod]
    public void Every_input_the_code_reads_is_declared_and_every_declared_input_is_read()
    {
        var declared = Section("inputs").Children.Keys.Cast<YamlScalarNode>().Select(key => key.Value!).Order(StringComparer.Ordinal).ToArray();

        CollectionAssert.AreEqual(ActionInputs.Declared.Keys.Order(StringComparer.Ordinal).ToArray(), declared);
    }

    [GeneratedRegex(@"const string (\w+)Name = ""([^""]*)"";")]
    private static partial Regex InputNameConstant();

    [GeneratedRegex(@"""INPUT_([A-Za-z0-9_]*)""")]
    private static partial Regex InputVariableLiteral();

    [TestMethod]
    public void The_sources_read_no_input_that_action_yml_does_not_declare()
    {
        // Not only ActionInputs.Declared: any INPUT_ variable or input-name constant anywhere in src/Action.
        var declared = Section("inputs").Children.Keys.Cast<YamlScalarNode>().Select(key => key.Value!).ToHashSet(StringComparer.Ordinal);
        var sources = Directory.EnumerateFiles(RepoFiles.Path("src/Action"), "*.cs", SearchOption.AllDirectories).ToDictionary(path => path, File.ReadAllText);
        var read = new List<(string File, string Input)>();
        foreach (var (path, text) in sources)
        {
            read.AddRange(InputVariableLiteral().Matches(text).Select(match => match.Groups[1].Value).Where(name => name.Length > 0).Select(name => (path, name.ToLowerInvariant())));
            read.AddRange(InputNameConstant().Matches(text).Select(match => (path, match.Groups[2].Value)));
        }

        Assert.IsNotEmpty(read, "the scan finds the input-name constants of ActionInputs");
        foreach (var (path, input) in read)
        {
            Assert.Contains(input, declared, $"{Path.GetRelativePath(RepoFiles.Root, path)} reads input '{input}', which action.yml does not declare");
        }

        CollectionAssert.AreEquivalent(declared.ToArray(), read.Select(entry => entry.Input).Distinct().ToArray(), "every declared input is read somewhere");
    }

    [TestMethod]
    public void Only_inputs_without_a_default_are_required()
    {
        foreach (var (keyNode, valueNode) in Section("inputs").Children)
        {
            var name = ((YamlScalarNode)keyNode).Value!;
            var input = (YamlMappingNode)valueNode;
            Assert.IsTrue(input.Children.TryGetValue(new YamlScalarNode("required"), out var requiredNode), $"input '{name}' says whether it is required");
            var required = ((YamlScalarNode)requiredNode).Value;
            Assert.AreEqual(ActionInputs.Declared[name] is null ? "true" : "false", required, $"required: of input '{name}'");
        }
    }

    [TestMethod]
    public void Input_defaults_match_the_code()
    {
        foreach (var (keyNode, valueNode) in Section("inputs").Children)
        {
            var name = ((YamlScalarNode)keyNode).Value!;
            var input = (YamlMappingNode)valueNode;
            input.Children.TryGetValue(new YamlScalarNode("default"), out var defaultNode);
            Assert.AreEqual(ActionInputs.Declared[name], (defaultNode as YamlScalarNode)?.Value, $"default of input '{name}'");
            Assert.IsTrue(input.Children.ContainsKey(new YamlScalarNode("description")), $"input '{name}' has a description");
        }
    }

    [TestMethod]
    public void Input_names_are_snake_case_because_the_runner_keeps_hyphens()
    {
        foreach (var name in ActionInputs.Declared.Keys)
        {
            Assert.MatchesRegex(SnakeCase(), name);
            Assert.AreEqual("INPUT_" + name.ToUpperInvariant(), ActionInputs.VariableName(name));
        }
    }

    [TestMethod]
    public void Every_output_written_is_declared_and_every_declared_output_is_written()
    {
        var declared = Section("outputs").Children.Keys.Cast<YamlScalarNode>().Select(key => key.Value!).Order(StringComparer.Ordinal).ToArray();

        CollectionAssert.AreEqual(GitHubOutputWriter.Names.Order(StringComparer.Ordinal).ToArray(), declared);
    }

    [TestMethod]
    public void The_action_is_a_docker_action_built_from_the_root_Dockerfile()
    {
        var runs = Section("runs");

        Assert.AreEqual("docker", ((YamlScalarNode)runs.Children[new YamlScalarNode("using")]).Value);
        Assert.AreEqual("Dockerfile", ((YamlScalarNode)runs.Children[new YamlScalarNode("image")]).Value);
        Assert.IsTrue(File.Exists(RepoFiles.Path("Dockerfile")));
    }

    [TestMethod]
    public void The_final_stage_sets_no_USER_and_no_WORKDIR_and_the_bases_are_build_arguments()
    {
        var lines = RepoFiles.Read("Dockerfile").Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        var lastFrom = lines.FindLastIndex(line => line.StartsWith("FROM ", StringComparison.Ordinal));
        var finalStage = lines[lastFrom..];

        Assert.IsFalse(finalStage.Any(line => line.StartsWith("USER", StringComparison.OrdinalIgnoreCase)), "GitHub runs Docker actions as root: no USER");
        Assert.IsFalse(finalStage.Any(line => line.StartsWith("WORKDIR", StringComparison.OrdinalIgnoreCase)), "the runner sets --workdir: no WORKDIR");
        Assert.Contains("ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0", lines);
        Assert.Contains("ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0", lines);
        Assert.IsTrue(lines.Any(line => line.StartsWith("FROM ${SDK_IMAGE}", StringComparison.Ordinal)));
        Assert.IsTrue(lines.Any(line => line.StartsWith("FROM ${RUNTIME_IMAGE}", StringComparison.Ordinal)));
        Assert.IsTrue(lines.Any(line => line.Contains("dotnet publish src/Action/", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void The_docker_context_excludes_build_output_git_and_tests()
    {
        var ignore = RepoFiles.Read(".dockerignore").Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();

        Assert.AreEqual("**", ignore[0], "everything is excluded first, then only what the build needs comes back");
        CollectionAssert.IsSubsetOf(new[] { "**/bin", "**/obj" }, ignore);
        Assert.IsFalse(ignore.Any(line => line.StartsWith("!tests", StringComparison.Ordinal) || line.StartsWith("!.git", StringComparison.Ordinal) || line.StartsWith("!artifacts", StringComparison.Ordinal)));
        CollectionAssert.IsSubsetOf(new[] { "!src/Core/**", "!src/Action/**", "!Directory.Packages.props" }, ignore);
    }

    [TestMethod]
    public void Every_action_diagnostic_is_used_by_the_action_and_lives_in_the_5000_range()
    {
        var code = string.Join('\n', Directory.EnumerateFiles(RepoFiles.Path("src/Action"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
        var actionResources = Core.Diagnostics.Diagnostic.All(Gadugi.BuildExec.Action.Resources.ActionMessages.ResourceManager).Where(entry => entry.Key.StartsWith("Action", StringComparison.Ordinal)).ToList();

        // Both ways: every Action* resource is a 50xx code, and every 50xx code is an Action* resource.
        var fiftyHundreds = Core.Diagnostics.Diagnostic.All(Gadugi.BuildExec.Action.Resources.ActionMessages.ResourceManager).Where(entry => entry.Value.StartsWith("GBX50", StringComparison.Ordinal)).Select(entry => entry.Key).ToList();
        Assert.IsNotEmpty(actionResources);
        CollectionAssert.AreEquivalent(fiftyHundreds, actionResources.Select(entry => entry.Key).ToList(), "the GBX50xx codes are exactly the Action* resources");
        foreach (var (name, value) in actionResources)
        {
            Assert.StartsWith("GBX50", value, name);
            Assert.Contains($"nameof(ActionMessages.{name})", code, $"{name} is never raised");
        }
    }
}
