using Gadugi.BuildExec.Action.Resources;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>
/// The 'env' input: names (one per line, or separated by spaces or commas) whose values the steps get
/// from the action's own environment, which is the workflow step's 'env:'. Only names; a value never
/// appears in the workflow's inputs, so a secret set in 'env:' stays masked by the runner.
/// </summary>
public static class StepEnvironment
{
    /// <summary>Names that carry the runner's or the action's credentials: never passed, whatever a policy allows.</summary>
    public static bool IsReserved(string name) =>
        name is "GITHUB_TOKEN" or "GH_TOKEN"
        || name.StartsWith("INPUT_", StringComparison.Ordinal)
        || name.StartsWith("ACTIONS_", StringComparison.Ordinal);

    public static IReadOnlyDictionary<string, string> Read(string? input, ActionEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (input is null)
        {
            return values;
        }

        foreach (var name in input.Split(['\n', '\r', ' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!PolicyValueParser.IsEnvironmentName(name))
            {
                throw ActionInputs.Invalid(ActionInputs.EnvName, name, "variable names (letters, digits and '_'), one per line; values come from the step's 'env:'");
            }

            if (IsReserved(name))
            {
                throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionEnvReserved), name));
            }

            values[name] = environment.Get(name) ?? string.Empty;
        }

        return values;
    }
}
