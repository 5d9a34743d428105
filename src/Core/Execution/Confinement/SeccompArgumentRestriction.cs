namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// A call a profile may allow only for some values of its first argument (clone without namespace
/// flags, socket for the allowed address families, personality for the standard personalities).
/// Rules are judged as runc turns them into filters: the conditions of a rule are ANDed, unless two
/// of them test the same argument, in which case runc adds each condition as a rule of its own, so
/// they are ORed. Conditions on other arguments are assumed satisfiable: the caller chooses them.
/// </summary>
internal abstract class SeccompArgumentRestriction(string call, string requirement)
{
    public string Call { get; } = call;

    /// <summary>What a rule allowing the call must require, for messages.</summary>
    public string Requirement { get; } = requirement;

    /// <summary>True when some call the rule lets through has a forbidden first argument.</summary>
    public bool LetsForbiddenThrough(SeccompRule rule) =>
        Alternatives(rule).Any(alternative => alternative.FirstOrDefault(condition => condition.Index == 0) is not { } first || AdmitsForbidden(first));

    /// <summary>True when some value satisfying <paramref name="condition"/> (on argument 0) is forbidden.</summary>
    protected abstract bool AdmitsForbidden(SeccompArgument condition);

    /// <summary>The sets of conditions runc installs for the rule, any of which lets the call through.</summary>
    public static IEnumerable<IReadOnlyList<SeccompArgument>> Alternatives(SeccompRule rule)
    {
        var repeatsAnArgument = rule.Args.GroupBy(condition => condition.Index).Any(group => group.Count() > 1);
        return repeatsAnArgument ? rule.Args.Select(condition => (IReadOnlyList<SeccompArgument>)[condition]) : [rule.Args];
    }

    /// <summary>A masked comparison no value satisfies (it wants bits the mask removes): the rule never matches.</summary>
    protected static bool Unsatisfiable(SeccompArgument condition) =>
        condition.Op == "SCMP_CMP_MASKED_EQ" && (condition.ValueTwo & ~condition.Value) != 0;
}

/// <summary>An argument whose listed bits must all be zero (clone's CLONE_NEW* flags).</summary>
internal sealed class SeccompFlagsMustBeClear(string call, ulong flags, string requirement) : SeccompArgumentRestriction(call, requirement)
{
    protected override bool AdmitsForbidden(SeccompArgument condition)
    {
        var lowestFlag = flags & (~flags + 1);
        return condition.Op switch
        {
            "SCMP_CMP_EQ" => (condition.Value & flags) != 0,
            "SCMP_CMP_MASKED_EQ" => !Unsatisfiable(condition) && ((condition.Value & flags) != flags || (condition.ValueTwo & flags) != 0),
            "SCMP_CMP_LT" => condition.Value > lowestFlag,
            "SCMP_CMP_LE" => condition.Value >= lowestFlag,
            _ => true,
        };
    }
}

/// <summary>
/// A 32-bit argument (an int in the kernel) that may take only the listed values. The filter compares
/// all 64 bits of the register while the kernel reads the low 32, so only conditions that pin the low
/// 32 bits to an allowed value pass: "not equal to 40" would let 0x1_0000_0028 through, which the
/// kernel reads as 40.
/// </summary>
internal sealed class SeccompValueMustBeListed(string call, IReadOnlySet<uint> allowed, string requirement) : SeccompArgumentRestriction(call, requirement)
{
    public IReadOnlySet<uint> Allowed { get; } = allowed;

    protected override bool AdmitsForbidden(SeccompArgument condition) => condition.Op switch
    {
        "SCMP_CMP_EQ" => !Allowed.Contains((uint)condition.Value),
        "SCMP_CMP_MASKED_EQ" => !Unsatisfiable(condition) && ((uint)condition.Value != uint.MaxValue || !Allowed.Contains((uint)condition.ValueTwo)),
        _ => true,
    };
}
