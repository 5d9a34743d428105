using System.Collections;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>The environment variables the action reads: the process's, or a fixed set in tests.</summary>
public sealed class ActionEnvironment
{
    private readonly IReadOnlyDictionary<string, string> _variables;

    public ActionEnvironment(IReadOnlyDictionary<string, string> variables)
    {
        _variables = variables;
    }

    public static ActionEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string ?? string.Empty;
        }

        return new ActionEnvironment(variables);
    }

    /// <summary>The variable's value, or null when it is unset or empty.</summary>
    public string? Get(string name) =>
        _variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
