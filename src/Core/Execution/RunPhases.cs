namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// Where one execution's time went, phase by phase: waiting for a slot (<see cref="Queue"/>), reaching
/// the engine (<see cref="Connect"/>), the image, profile, network and sandbox (<see cref="Create"/>),
/// its <c>started</c> record, start and applied limits (<see cref="Start"/>), starting the command
/// (<see cref="Exec"/>), the command itself (<see cref="Wait"/>), usage and /output
/// (<see cref="Collect"/>), removing the sandbox (<see cref="Remove"/>) and the record that ends the
/// run (<see cref="Audit"/>). A phase the run never reached is zero.
/// </summary>
public sealed record RunPhases
{
    public TimeSpan Queue { get; init; }

    public TimeSpan Connect { get; init; }

    public TimeSpan Create { get; init; }

    public TimeSpan Start { get; init; }

    public TimeSpan Exec { get; init; }

    public TimeSpan Wait { get; init; }

    public TimeSpan Collect { get; init; }

    public TimeSpan Remove { get; init; }

    public TimeSpan Audit { get; init; }
}
