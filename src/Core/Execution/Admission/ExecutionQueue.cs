namespace Gadugi.BuildExec.Core.Execution.Admission;

/// <summary>
/// Admits at most N executions at once: N in this process, and, with a slots directory, N across
/// every process of the machine. Callers beyond that wait their turn (cancellable).
/// </summary>
internal sealed class ExecutionQueue : IDisposable
{
    private readonly SemaphoreSlim _inProcess;
    private readonly MachineSlots? _machine;

    public ExecutionQueue(int capacity, string? machineSlotsDirectory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _inProcess = new SemaphoreSlim(capacity, capacity);
        _machine = machineSlotsDirectory is null ? null : new MachineSlots(machineSlotsDirectory, capacity);
    }

    /// <summary>Waits for a place; disposing the returned ticket gives it back.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _inProcess.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var machineSlot = _machine is null ? null : await _machine.AcquireAsync(cancellationToken).ConfigureAwait(false);
            return new Ticket(_inProcess, machineSlot);
        }
        catch
        {
            _inProcess.Release();
            throw;
        }
    }

    public void Dispose() => _inProcess.Dispose();

    private sealed class Ticket(SemaphoreSlim inProcess, IDisposable? machineSlot) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                machineSlot?.Dispose();
                inProcess.Release();
            }
        }
    }
}
