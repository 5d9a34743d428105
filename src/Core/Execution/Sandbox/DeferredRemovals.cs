namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>
/// Removals that finish after their runs answered (<see cref="ExecutorOptions.RemoveAfterAnswer"/>):
/// each sandbox is frozen before it is handed over here. Owned by one executor, whose disposal waits
/// for every one still pending; a process that dies first leaves them to the stale sweep, which finds
/// them by their owner and deadline labels.
/// </summary>
internal sealed class DeferredRemovals
{
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _pending = [];

    /// <summary>Runs <paramref name="removal"/> in the background; it must log its own failures, not throw.</summary>
    public void Start(Func<Task> removal)
    {
        lock (_gate)
        {
            var task = Task.Run(removal);
            _pending.Add(task);

            // Registered after the add, so a removal that already ended still leaves the set.
            _ = task.ContinueWith(
                done =>
                {
                    lock (_gate)
                    {
                        _pending.Remove(done);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>How many removals have not finished yet.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Waits for every removal started so far (and for those they started meanwhile).</summary>
    public async Task WhenAllAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _pending];
            }

            if (pending.Length == 0)
            {
                return;
            }

            // Each removal logs its own failure; one that threw anyway must not stop the wait for the rest.
            await Task.WhenAll(pending).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }
    }
}
