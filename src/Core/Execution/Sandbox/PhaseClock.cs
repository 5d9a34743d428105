using System.Diagnostics;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>Times a run's phases in the order they happen: each <see cref="End"/> closes the phase that began at the previous one.</summary>
internal sealed class PhaseClock
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan _last;
    private RunPhases _phases = new();

    public RunPhases Phases
    {
        get
        {
            lock (_gate)
            {
                return _phases;
            }
        }
    }

    /// <summary>Ends the current phase, giving its duration to <paramref name="record"/>.</summary>
    public void End(Func<RunPhases, TimeSpan, RunPhases> record)
    {
        lock (_gate)
        {
            var now = _clock.Elapsed;
            _phases = record(_phases, now - _last);
            _last = now;
        }
    }
}
