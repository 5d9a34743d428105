using Gadugi.BuildExec.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Core.Policies;

/// <summary>
/// Reads a policy file of the shape <c>policies: &lt;name&gt;: {image, memory, cpus, …}</c>.
/// Collects every problem with its line and column; a file with any problem yields no policies.
/// </summary>
public static class PolicyFileLoader
{
    public static PolicySet LoadFile(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.PolicyFileNotFound), fullPath));
        }

        return Parse(File.ReadAllText(fullPath), fullPath);
    }

    public static PolicySet Parse(string yaml, string fileName)
    {
        var context = new PolicyParseContext(fileName);
        var root = LoadDocument(yaml, context);
        var policies = new Dictionary<string, SandboxPolicy>(StringComparer.Ordinal);
        if (root is not null)
        {
            ReadRoot(root, context, policies);
        }

        if (context.Issues.Count > 0)
        {
            throw new PolicyFileException(fileName, context.Issues);
        }

        return new PolicySet(policies, fileName);
    }

    private static YamlMappingNode? LoadDocument(string yaml, PolicyParseContext context)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            var reason = (ex.InnerException?.Message ?? ex.Message).Split(Environment.NewLine)[0];
            context.Report(ex.Start, "(file)", nameof(DiagnosticMessages.PolicyYamlSyntax), context.File, reason);
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            context.Report(Mark.Empty, "(file)", nameof(DiagnosticMessages.PolicyStructure), "(file)", "a mapping with a 'policies' key", "an empty document");
            return null;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            context.Report(stream.Documents[0].RootNode.Start, "(file)", nameof(DiagnosticMessages.PolicyStructure), "(file)", "a mapping with a 'policies' key", Describe(stream.Documents[0].RootNode));
            return null;
        }

        return root;
    }

    private static void ReadRoot(YamlMappingNode root, PolicyParseContext context, Dictionary<string, SandboxPolicy> policies)
    {
        YamlNode? policiesNode = null;
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            if (key == "policies")
            {
                policiesNode = valueNode;
            }
            else
            {
                context.Report(keyNode.Start, key, nameof(DiagnosticMessages.PolicyUnknownKey), "(top level)", key, "policies", Suggest(key, ["policies"]));
            }
        }

        if (policiesNode is null)
        {
            context.Report(root.Start, "policies", nameof(DiagnosticMessages.PolicyStructure), "(top level)", "a 'policies' key", "none");
            return;
        }

        if (policiesNode is not YamlMappingNode policyMap)
        {
            context.Report(policiesNode.Start, "policies", nameof(DiagnosticMessages.PolicyStructure), "policies", "a mapping of policy names to settings", Describe(policiesNode));
            return;
        }

        foreach (var (nameNode, body) in policyMap.Children)
        {
            var name = ((YamlScalarNode)nameNode).Value ?? string.Empty;
            if (!PolicyNames.IsValid(name))
            {
                context.Report(nameNode.Start, "policies." + name, nameof(DiagnosticMessages.PolicyInvalidValue), "policies", name, PolicyNames.Allowed);
                continue;
            }

            var policy = PolicyFieldReader.Read(name, body, context);
            if (policy is not null)
            {
                policies[name] = policy;
            }
        }
    }

    internal static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar => $"the value '{scalar.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };

    internal static string Suggest(string given, IEnumerable<string> allowed)
    {
        var best = allowed
            .Select(candidate => (candidate, distance: EditDistance(given, candidate)))
            .Where(pair => pair.distance <= Math.Max(2, given.Length / 3))
            .OrderBy(pair => pair.distance)
            .Select(pair => pair.candidate)
            .FirstOrDefault();
        return best is null ? string.Empty : $" Did you mean '{best}'?";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}

/// <summary>Collects located issues while a policy file is read.</summary>
internal sealed class PolicyParseContext(string file)
{
    public string File { get; } = file;

    public List<PolicyIssue> Issues { get; } = [];

    public void Report(Mark mark, string field, string resourceName, params object?[] args)
    {
        Report(mark, field, Diagnostic.Create(resourceName, args));
    }

    public void Report(Mark mark, string field, Diagnostic diagnostic)
    {
        var line = mark.Line <= 0 ? 1 : mark.Line;
        var column = mark.Column <= 0 ? 1 : mark.Column;
        Issues.Add(new PolicyIssue(File, line, column, field, diagnostic));
    }
}

internal static partial class PolicyNames
{
    public const string Allowed = "a policy name of lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial System.Text.RegularExpressions.Regex Pattern();

    public static bool IsValid(string name) => Pattern().IsMatch(name);
}
