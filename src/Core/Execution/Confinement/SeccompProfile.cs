namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// A seccomp profile in the engine's format (Docker's <c>profiles/seccomp</c> types), as read by
/// <see cref="SeccompProfileReader"/> and sent by <see cref="SeccompProfileWriter"/>. What is
/// checked is this model, and what the engine receives is this model written out again, so the
/// check and the engine cannot read one text two ways.
/// </summary>
internal sealed record SeccompProfile(
    string DefaultAction,
    ulong? DefaultErrnoRet,
    IReadOnlyList<string> Architectures,
    IReadOnlyList<SeccompArchitecture> ArchMap,
    IReadOnlyList<SeccompRule> Syscalls);

/// <summary>A native architecture and the sub-architectures (compat ABIs) the filter also covers on it.</summary>
internal sealed record SeccompArchitecture(string Architecture, IReadOnlyList<string> SubArchitectures);

/// <summary>One rule: calls, what happens to them, and the argument conditions under which it applies.</summary>
internal sealed record SeccompRule(
    IReadOnlyList<string> Names,
    string Action,
    ulong? ErrnoRet,
    IReadOnlyList<SeccompArgument> Args,
    SeccompRuleFilter Includes,
    SeccompRuleFilter Excludes);

/// <summary>An argument condition: <c>args[Index] Op Value</c> (<c>(args[Index] &amp; Value) == ValueTwo</c> for SCMP_CMP_MASKED_EQ).</summary>
internal sealed record SeccompArgument(uint Index, ulong Value, ulong ValueTwo, string Op);

/// <summary>When the engine includes or excludes a rule: by capability, architecture or kernel version.</summary>
internal sealed record SeccompRuleFilter(IReadOnlyList<string> Caps, IReadOnlyList<string> Arches, string? MinKernel)
{
    public static SeccompRuleFilter None { get; } = new([], [], null);

    public bool IsEmpty => Caps.Count == 0 && Arches.Count == 0 && MinKernel is null;
}
