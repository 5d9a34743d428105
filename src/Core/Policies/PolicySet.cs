using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Policies;

/// <summary>The policies a caller may name: those of a policy file (if any) over the built-ins.</summary>
public sealed class PolicySet
{
    public PolicySet(IReadOnlyDictionary<string, SandboxPolicy> filePolicies, string? file)
    {
        FilePolicies = filePolicies;
        File = file;
    }

    public static PolicySet BuiltInOnly { get; } = new(new Dictionary<string, SandboxPolicy>(), null);

    public IReadOnlyDictionary<string, SandboxPolicy> FilePolicies { get; }

    public string? File { get; }

    public IEnumerable<string> Names => FilePolicies.Keys.Union(PolicyDefaults.BuiltIn.Keys).Order(StringComparer.Ordinal);

    public SandboxPolicy Resolve(string name)
    {
        if (FilePolicies.TryGetValue(name, out var policy) || PolicyDefaults.BuiltIn.TryGetValue(name, out policy))
        {
            return policy;
        }

        var where = File is null ? " among the built-in policies" : $" in '{File}' or the built-in policies";
        throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.PolicyNotFound), name, where, string.Join(", ", Names)));
    }
}
