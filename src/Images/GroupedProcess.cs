using System.Diagnostics;

using Gadugi.BuildExec.Core.Host;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// Runs a program as the leader of its own process group (through util-linux 'setsid') and streams
/// its stdout and stderr lines. Cancelling sends SIGTERM to the whole group, so a program such as
/// mmdebstrap can unmount and clean up after itself, then kills the tree if it is not gone in time.
/// </summary>
internal static class GroupedProcess
{
    /// <summary>Runs to completion and returns the exit code; <paramref name="onLine"/> is called for one line at a time.</summary>
    public static async Task<int> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        Action<string> onLine,
        TimeSpan cleanupGrace,
        CancellationToken cancellationToken)
    {
        var setsid = ExecutableLocator.Find("setsid");
        var startInfo = new ProcessStartInfo(setsid ?? program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (setsid is not null)
        {
            startInfo.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var gate = new Lock();
        void Deliver(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    onLine(line);
                }
            }
        }

        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Deliver(e.Data);
        process.ErrorDataReceived += (_, e) => Deliver(e.Data);
        cancellationToken.ThrowIfCancellationRequested();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            // Off whatever thread cancelled: that may be an output callback, and the process cannot
            // exit while its output is not being read.
            await Task.Run(() => StopAsync(process, setsid is not null, cleanupGrace), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task StopAsync(Process process, bool ownGroup, TimeSpan grace)
    {
        // setsid execs in place (a forked child is never a group leader), so the pid is the group id.
        if (ownGroup && NativeMethods.SignalProcessGroup(process.Id, NativeMethods.SigTerm))
        {
            using var graceTimeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(graceTimeout.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                // Still running after the grace period: fall through to the hard kill.
            }
        }

        try
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Exited on its own meanwhile.
        }
    }
}
