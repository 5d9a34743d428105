using System.CommandLine;
using System.Runtime.CompilerServices;
using Gadugi.BuildExec.Cli.Commands;
using Gadugi.BuildExec.Cli.Service;
using Gadugi.BuildExec.Cli.Telemetry;

namespace Gadugi.BuildExec.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // First of all: the native client's handoff must not reach a sandbox or a child.
        var handoff = ClientHandoff.Take();
        if (OperatingSystem.IsWindows())
        {
            return await RunHereAsync(args, fallback: null).ConfigureAwait(false);
        }

        if (args is ["service", "serve", var directory, var name])
        {
            return await ServeAsync(directory, name).ConfigureAwait(false);
        }

        // 'run' and 'hook' go through the background service when one answers (or can be started): this
        // process then stays a thin client that never loads the executor.
        // The native client (src/Client) execs this program when the service did not serve: it was tried already.
        var (exitCode, fallback) = handoff is null ? ServeOrFallBack(args) : (null, handoff);
        return exitCode ?? await RunHereAsync(args, fallback).ConfigureAwait(false);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static (int? ExitCode, ServiceFallback? Fallback) ServeOrFallBack(string[] args)
    {
        try
        {
            return ThinClient.Run(args);
        }
        catch (Exception ex) when (args is [ThinClient.HookName, ..] && ex is not OutOfMemoryException)
        {
            // Only before the service accepted it (after that, ThinClient maps every failure of a hook
            // itself): a hook never fails open on the client's own trouble, it goes the direct way.
            return (null, new ServiceFallback("ServiceNotStarted", $"{Environment.GetEnvironmentVariable(ServiceLocation.DirectoryVariable) ?? "$" + ServiceLocation.DirectoryVariable}\n{ex.GetType().Name}: {ex.Message}"));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<int> ServeAsync(string directory, string name)
    {
        using var telemetry = CliTelemetry.Start();
        return await ExecService.ServeAsync(directory, name).ConfigureAwait(false);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<int> RunHereAsync(string[] args, ServiceFallback? fallback)
    {
        if (fallback is not null)
        {
            ServiceLost.Notice(fallback);
        }

        var run = RunCommand.Create();
        var hook = HookCommand.Create();
        var root = CliCommands.CreateRoot(run, hook);

        // On Ctrl+C/SIGTERM commands get time to stop their children and remove what they created (a
        // sandbox is killed and removed; an image build waits for mmdebstrap to unmount) before the
        // process is ended.
        // 'run' handles its signals itself (it forwards them to the command: RunSignals); 'hook' too (they cancel it).
        var parsed = root.Parse(args);
        var ownSignals = parsed.CommandResult.Command == run || parsed.CommandResult.Command == hook;
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = ownSignals ? null : TimeSpan.FromSeconds(45) };
        CliConsole.JsonLogs = parsed.GetValue(CliCommands.LogFormat) == "json";

        // Disposed before the process exits, which flushes the last spans and metrics.
        using var telemetry = CliTelemetry.Start();
        return RunCommand.ReportParseErrors(parsed, run) ?? HookCommand.ReportParseErrors(parsed, hook) ?? await parsed.InvokeAsync(invocation).ConfigureAwait(false);
    }
}
