namespace Gadugi.BuildExec.Core.Engine;

/// <summary>Labels on every container the executor creates, so leftovers can be found and judged.</summary>
internal static class ContainerLabels
{
    public const string Managed = "io.gadugi.managed";
    public const string Owner = "io.gadugi.owner";
    public const string Started = "io.gadugi.started";
    public const string Deadline = "io.gadugi.deadline";
    public const string Execution = "io.gadugi.execution";
    public const string Policy = "io.gadugi.policy";

    /// <summary>The audit log the run writes to: the sweep that removes an orphaned sandbox records it as abandoned there.</summary>
    public const string AuditLog = "io.gadugi.audit-log";
}
