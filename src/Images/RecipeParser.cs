using System.Text.RegularExpressions;
using Gadugi.BuildExec.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// Reads one recipe.yaml into a <see cref="RecipeDefinition"/>, rejecting anything unknown or
/// malformed with GBX1102 naming the file, line and column.
/// </summary>
internal sealed partial class RecipeParser
{
    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "name", "repository", "tag", "description", "suite", "packages", "hooks", "inputs", "env", "cmd", "smokeTest",
    };

    private static readonly HashSet<string> KnownSmokeTestKeys = new(StringComparer.Ordinal) { "command", "expect" };

    private readonly string source;

    private RecipeParser(string source) => this.source = source;

    /// <param name="folder">The folder the recipe lives in; the recipe's name must equal it.</param>
    /// <param name="source">How to name the file in messages.</param>
    /// <param name="yaml">The file's text.</param>
    /// <param name="files">The recipe folder's files then common/'s, used for hook checks and hashing.</param>
    public static RecipeDefinition Parse(string folder, string source, string yaml, IReadOnlyList<RecipeFile> files) =>
        new RecipeParser(source).ParseDocument(folder, yaml, files);

    private RecipeDefinition ParseDocument(string folder, string yaml, IReadOnlyList<RecipeFile> files)
    {
        var root = LoadRoot(yaml);
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = ScalarText(keyNode, "a key");
            if (!KnownKeys.Contains(key))
            {
                throw Fail(keyNode, $"unknown key '{key}' (known keys: {string.Join(", ", KnownKeys.Order(StringComparer.Ordinal))})");
            }

            seen[key] = valueNode;
        }

        var name = RequiredMatch(root, seen, "name", NamePattern(), "a lowercase name of letters, digits and '-'");
        if (!string.Equals(name, folder, StringComparison.Ordinal))
        {
            throw Fail(seen["name"], $"the name '{name}' must equal the recipe's folder name '{folder}'");
        }

        var inputs = OptionalList(seen, "inputs", NamePattern(), "an input name").Select(item => new DeclaredInput(item.Value, item.Line, item.Column)).ToList();
        var placeholders = inputs.Select(input => input.Name).ToHashSet(StringComparer.Ordinal);

        var repository = RequiredMatch(root, seen, "repository", RepositoryPattern(), "an image repository such as 'gadugi/python' (lowercase)");
        var tag = RequiredScalar(root, seen, "tag");
        CheckPlaceholders(seen["tag"], tag, placeholders);
        if (!TagPattern().IsMatch(FillPlaceholders(tag, placeholders, "1.0")))
        {
            throw Fail(seen["tag"], $"'{tag}' is not a valid image tag (letters, digits, '_', '.', '-'; at most 128; may use {{input}} placeholders)");
        }

        var description = seen.TryGetValue("description", out var descriptionNode) ? ScalarText(descriptionNode, "'description'") : string.Empty;
        var suite = RequiredMatch(root, seen, "suite", SuitePattern(), "a Debian suite such as 'bookworm'");

        var packages = OptionalList(seen, "packages", PackagePattern(), "a Debian package name");
        if (packages.Count == 0)
        {
            throw Fail(seen.GetValueOrDefault("packages") ?? root, "'packages' must list at least one Debian package");
        }

        var duplicate = packages.GroupBy(item => item.Value, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            var second = duplicate.Skip(1).First();
            throw Fail(second.Line, second.Column, $"the package '{duplicate.Key}' is listed twice");
        }

        var hooks = OptionalList(seen, "hooks", HookPattern(), "a script file name in the recipe folder");
        foreach (var hook in hooks)
        {
            if (!files.Any(file => string.Equals(file.Path, $"{folder}/{hook.Value}", StringComparison.Ordinal)))
            {
                throw Fail(hook.Line, hook.Column, $"the hook '{hook.Value}' is not a file in the recipe folder '{folder}'");
            }
        }

        var environment = ParseEnvironment(seen);
        var command = OptionalList(seen, "cmd", null, "a command-line word").Select(item => item.Value).ToList();
        var smokeTest = ParseSmokeTest(root, seen, placeholders);

        return new RecipeDefinition
        {
            Name = name,
            Repository = repository,
            TagTemplate = tag,
            Description = description,
            Suite = suite,
            Packages = packages.Select(item => item.Value).ToList(),
            Hooks = hooks.Select(item => item.Value).ToList(),
            Environment = environment,
            Command = command,
            SmokeTestTemplate = smokeTest,
            Inputs = inputs,
            Source = source,
            Files = files,
        };
    }

    private YamlMappingNode LoadRoot(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw Fail((int)ex.Start.Line, (int)ex.Start.Column, ex.InnerException?.Message ?? ex.Message);
        }

        if (stream.Documents.Count != 1)
        {
            throw Fail(1, 1, "the file must hold exactly one YAML document");
        }

        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw Fail(stream.Documents[0].RootNode, "the recipe must be a mapping of keys such as 'name:' and 'packages:'");
    }

    private List<KeyValuePair<string, string>> ParseEnvironment(Dictionary<string, YamlNode> seen)
    {
        var environment = new List<KeyValuePair<string, string>>();
        if (!seen.TryGetValue("env", out var node))
        {
            return environment;
        }

        if (node is not YamlMappingNode mapping)
        {
            throw Fail(node, "'env' must be a mapping of variable names to values");
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ScalarText(keyNode, "an environment variable name");
            if (!EnvironmentNamePattern().IsMatch(key))
            {
                throw Fail(keyNode, $"'{key}' is not a valid environment variable name");
            }

            environment.Add(new(key, ScalarText(valueNode, $"the value of '{key}'")));
        }

        return environment;
    }

    private SmokeTest ParseSmokeTest(YamlMappingNode root, Dictionary<string, YamlNode> seen, HashSet<string> placeholders)
    {
        if (!seen.TryGetValue("smokeTest", out var node))
        {
            throw Fail(root, "'smokeTest' is missing: every image needs a quick check such as 'command: [python3, --version]'");
        }

        if (node is not YamlMappingNode mapping)
        {
            throw Fail(node, "'smokeTest' must be a mapping with 'command' and optionally 'expect'");
        }

        var smokeKeys = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ScalarText(keyNode, "a key");
            if (!KnownSmokeTestKeys.Contains(key))
            {
                throw Fail(keyNode, $"unknown key 'smokeTest.{key}' (known keys: command, expect)");
            }

            smokeKeys[key] = valueNode;
        }

        var command = OptionalList(smokeKeys, "command", null, "a command-line word");
        if (command.Count == 0)
        {
            throw Fail(smokeKeys.GetValueOrDefault("command") ?? node, "'smokeTest.command' must list the program and its arguments");
        }

        foreach (var word in command)
        {
            CheckPlaceholders(word.Line, word.Column, word.Value, placeholders);
        }

        string? expect = null;
        if (smokeKeys.TryGetValue("expect", out var expectNode))
        {
            expect = ScalarText(expectNode, "'smokeTest.expect'");
            CheckPlaceholders(expectNode, expect, placeholders);
            try
            {
                _ = new Regex(FillPlaceholders(expect, placeholders, "1"), RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw Fail(expectNode, $"'smokeTest.expect' is not a valid regular expression: {ex.Message}");
            }
        }

        return new SmokeTest(command.Select(word => word.Value).ToList(), expect);
    }

    private string RequiredScalar(YamlMappingNode root, Dictionary<string, YamlNode> seen, string key)
    {
        if (!seen.TryGetValue(key, out var node))
        {
            throw Fail(root, $"'{key}' is missing");
        }

        var text = ScalarText(node, $"'{key}'");
        return text.Length == 0 ? throw Fail(node, $"'{key}' is empty") : text;
    }

    private string RequiredMatch(YamlMappingNode root, Dictionary<string, YamlNode> seen, string key, Regex pattern, string what)
    {
        var text = RequiredScalar(root, seen, key);
        return pattern.IsMatch(text) ? text : throw Fail(seen[key], $"'{key}' must be {what}, not '{text}'");
    }

    private List<LocatedText> OptionalList(Dictionary<string, YamlNode> seen, string key, Regex? pattern, string what)
    {
        var items = new List<LocatedText>();
        if (!seen.TryGetValue(key, out var node))
        {
            return items;
        }

        if (node is not YamlSequenceNode sequence)
        {
            throw Fail(node, $"'{key}' must be a list, e.g. [{what.Replace(' ', '-')}]");
        }

        foreach (var item in sequence.Children)
        {
            var text = ScalarText(item, $"each item of '{key}'");
            if (pattern is not null && !pattern.IsMatch(text))
            {
                throw Fail(item, $"'{text}' in '{key}' is not {what}");
            }

            items.Add(new LocatedText(text, (int)item.Start.Line, (int)item.Start.Column));
        }

        return items;
    }

    private string ScalarText(YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } value } ? value : throw Fail(node, $"{what} must be a single value");

    private void CheckPlaceholders(YamlNode node, string text, HashSet<string> declared) =>
        CheckPlaceholders((int)node.Start.Line, (int)node.Start.Column, text, declared);

    private void CheckPlaceholders(int line, int column, string text, HashSet<string> declared)
    {
        foreach (Match match in PlaceholderPattern().Matches(text))
        {
            var name = match.Groups[1].Value;
            if (!declared.Contains(name))
            {
                throw Fail(line, column, $"the placeholder '{{{name}}}' names no input declared under 'inputs'");
            }
        }
    }

    /// <summary>Replaces "{input}" placeholders using <paramref name="valueOf"/>.</summary>
    internal static string FillPlaceholders(string template, Func<string, string?> valueOf) =>
        PlaceholderPattern().Replace(template, match => valueOf(match.Groups[1].Value) ?? match.Value);

    private static string FillPlaceholders(string template, HashSet<string> declared, string sample) =>
        FillPlaceholders(template, name => declared.Contains(name) ? sample : null);

    private GadugiException Fail(YamlNode node, string message) => Fail((int)node.Start.Line, (int)node.Start.Column, message);

    private GadugiException Fail(int line, int column, string message) =>
        new(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.RecipeInvalid), source, line, column, message));

    private sealed record LocatedText(string Value, int Line, int Column);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex SuitePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?$")]
    private static partial Regex PackagePattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]
    private static partial Regex HookPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentNamePattern();

    [GeneratedRegex(@"\{([a-z0-9][a-z0-9-]*)\}")]
    private static partial Regex PlaceholderPattern();
}
