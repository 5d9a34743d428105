using System.Security.Cryptography;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>Execution ids: 12 lower-case hex digits, random, chosen by the executor or ahead of time by a caller.</summary>
public static class ExecutionIds
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public static bool IsValid(string? id) => id is { Length: 12 } && id.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));

    /// <summary>The caller's id when it gave one (it must be valid), else a new one.</summary>
    internal static string Choose(string? requested) => requested switch
    {
        null => New(),
        _ when IsValid(requested) => requested,
        _ => throw new ArgumentException($"An execution id is 12 lower-case hex digits, not '{requested}'.", nameof(requested)),
    };
}
