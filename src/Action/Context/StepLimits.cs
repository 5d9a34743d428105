using Gadugi.BuildExec.Action.Resources;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>
/// The 'env', 'timeout' and 'memory' inputs applied to the run: a policy sets the bounds (its timeout
/// and memory are maxima, its env allowlist the names a step may get), the inputs can only tighten them.
/// A workflow cannot widen what its policy grants, which matters when the policy comes from the base commit.
/// </summary>
public static class StepLimits
{
    public static RunSettings Apply(RunSettings run, ActionInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(inputs);
        var bounds = ExecutionRequests.ResolvePolicy(run);
        var notAllowed = inputs.Environment.Keys.Where(name => !bounds.EnvAllowlist.Contains(name, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        if (notAllowed.Length > 0)
        {
            throw new GadugiException(Diagnostic.Create(
                ActionMessages.ResourceManager, nameof(ActionMessages.ActionEnvNotAllowed), string.Join(", ", notAllowed), bounds.Name,
                bounds.EnvAllowlist.Count == 0 ? "(none)" : string.Join(", ", bounds.EnvAllowlist)));
        }

        var limited = run with
        {
            Overrides = run.Overrides with { Timeout = inputs.Timeout, Memory = inputs.Memory },
            Environment = [.. run.Environment, .. inputs.Environment.Select(pair => pair.Key + "=" + pair.Value)],
        };
        var applied = ExecutionRequests.ResolvePolicy(limited);
        if (applied.Timeout > bounds.Timeout)
        {
            throw AboveBound(ActionInputs.TimeoutName, inputs.Timeout!, bounds, ((long)bounds.Timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "s");
        }

        if (applied.MemoryBytes > bounds.MemoryBytes)
        {
            throw AboveBound(ActionInputs.MemoryName, inputs.Memory!, bounds, (bounds.MemoryBytes / (1024 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture) + "m");
        }

        return limited;
    }

    private static GadugiException AboveBound(string input, string value, SandboxPolicy bounds, string bound) =>
        new(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionLimitAbovePolicy), input, value, bounds.Name, bound));
}
