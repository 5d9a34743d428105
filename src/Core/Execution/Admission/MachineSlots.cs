using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Execution.Admission;

/// <summary>
/// A counting semaphore shared by every process on the machine: N lock files, one held per running
/// sandbox. Separate CLI processes (parallel hooks, an orchestrator's workers) queue here just as
/// threads of one process do. A crashed holder's lock is released by the kernel.
/// </summary>
internal sealed class MachineSlots(string directory, int count)
{
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(200);

    public static string DefaultDirectory()
    {
        var audit = Audit.AuditLogLocation.Default();
        return Path.Combine(Path.GetDirectoryName(audit) ?? Path.GetTempPath(), "slots");
    }

    /// <summary>Waits for a free slot; a directory that cannot hold the lock files is GBX1402.</summary>
    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unavailable(ex);
        }

        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            for (var slot = 0; slot < count; slot++)
            {
                if (TryTake(Path.Combine(directory, $"slot-{slot}.lock")) is { } held)
                {
                    return held;
                }
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPoll.Ticks));
        }
    }

    private GadugiException Unavailable(Exception ex) =>
        new(Diagnostic.Create(nameof(DiagnosticMessages.MachineSlotsUnavailable), directory, ex.Message.TrimEnd('.')), ex);

    /// <summary>The held slot, or null when another holder has it locked.</summary>
    private FileStream? TryTake(string path)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (UnauthorizedAccessException ex)
        {
            // Not contention: waiting would never end.
            throw Unavailable(ex);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        catch (IOException ex)
        {
            throw Unavailable(ex);
        }
    }
}
