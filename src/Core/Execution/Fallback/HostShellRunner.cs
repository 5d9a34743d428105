using System.Diagnostics;

namespace Gadugi.BuildExec.Core.Execution.Fallback;

/// <summary>
/// The unsandboxed fallback (policy <c>fallback: shell</c>, used only when no engine answers): runs
/// the command on the host with the policy's timeout, output cap and environment allowlist still
/// applied. Nothing else of the sandbox applies, which the result and audit record say.
/// </summary>
internal static class HostShellRunner
{
    private static readonly string[] PassThroughVariables = ["PATH", "HOME", "LANG", "LC_ALL", "TERM", "USER", "LOGNAME", "TMPDIR"];

    public sealed record Outcome(int ExitCode, KillReason? KillReason, TimeSpan WallTime);

    public static async Task<Outcome> RunAsync(ExecutionRequest request, OutputPump pump, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo
        {
            FileName = request.Command[0],
            WorkingDirectory = request.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in request.Command.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        foreach (var name in PassThroughVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                startInfo.Environment[name] = value;
            }
        }

        foreach (var (name, value) in request.Environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = new Process { StartInfo = startInfo };
        var watch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // As a shell would: command not found.
            var message = System.Text.Encoding.UTF8.GetBytes($"gadugi-exec: {request.Command[0]}: command not found\n");
            await pump.AcceptAsync(OutputStreamKind.Stderr, message, cancellationToken).ConfigureAwait(false);
            return new Outcome(127, null, watch.Elapsed);
        }

        KillReason? reason = null;
        var killed = 0;
        void Kill(KillReason why)
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                reason = why;
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already exited.
                }
            }
        }

        pump.LimitExceeded += () => Kill(Execution.KillReason.OutputLimit);
        using var timeout = new CancellationTokenSource(request.Policy.Timeout);
        using var onTimeout = timeout.Token.Register(() => Kill(Execution.KillReason.Timeout));
        using var onCancel = cancellationToken.Register(() => Kill(Execution.KillReason.Cancelled));

        var stdin = CopyStdinAsync(request.StandardInput, process.StandardInput.BaseStream);
        var stdout = PumpAsync(process.StandardOutput.BaseStream, OutputStreamKind.Stdout, pump);
        var stderr = PumpAsync(process.StandardError.BaseStream, OutputStreamKind.Stderr, pump);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        _ = stdin;
        var exitCode = reason is null ? process.ExitCode : 137;
        return new Outcome(exitCode, reason, watch.Elapsed);
    }

    private static async Task PumpAsync(Stream source, OutputStreamKind kind, OutputPump pump)
    {
        var buffer = new byte[65536];
        int count;
        while ((count = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            await pump.AcceptAsync(kind, buffer.AsMemory(0, count), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task CopyStdinAsync(Stream? source, Stream destination)
    {
        try
        {
            if (source is not null)
            {
                await source.CopyToAsync(destination).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The command closed its stdin.
        }
        finally
        {
            try
            {
                await destination.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }
    }
}
