namespace Gadugi.BuildExec.Core.Execution.Pool;

/// <summary>
/// A sandbox created and started for a <see cref="PoolKey"/> that runs no command yet. Its labels carry
/// <see cref="ExecutionId"/>, so the run that takes it takes that id too.
/// </summary>
internal sealed record PreparedSandbox(string Id, string ExecutionId, DateTimeOffset PreparedAt, ISandboxEngine Engine)
{
    /// <summary>Its limits and hardening as the engine applied them, read back once it was started.</summary>
    public AppliedLimits? Limits { get; init; }
}

/// <summary>One prepared sandbox as <c>gadugi-exec pool status</c> shows it.</summary>
/// <param name="ContainerId">Its container id; null while it is being prepared.</param>
/// <param name="ExecutionId">The execution id its labels carry, which the run that takes it takes.</param>
/// <param name="Key">What it was prepared for (policy, image, runtime, workspace).</param>
/// <param name="Ready">False while it is still being created and started.</param>
/// <param name="Age">Time since it was prepared (or since its preparation began).</param>
/// <param name="MemoryBytes">Its memory use now, from its cgroup; null when this process cannot read it.</param>
public sealed record PooledSandboxInfo(string? ContainerId, string? ExecutionId, string Key, bool Ready, TimeSpan Age, long? MemoryBytes);
