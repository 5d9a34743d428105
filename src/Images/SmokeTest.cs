namespace Gadugi.BuildExec.Images;

/// <summary>
/// A quick check run in a fresh image before it is tagged: <see cref="Command"/> must exit 0 and,
/// when <see cref="ExpectedOutput"/> is set, its trimmed standard output must match that regex.
/// </summary>
public sealed record SmokeTest(IReadOnlyList<string> Command, string? ExpectedOutput);
