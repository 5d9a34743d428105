using System.Runtime.InteropServices;
using Gadugi.BuildExec.Action;
using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Logging;

// gadugi-action: the entry point of the containerized GitHub Action (see action.yml, docs/action.md).
using var cancellation = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    // The runner stops a cancelled job's container: kill the running sandbox, report what ran.
    context.Cancel = true;
    cancellation.Cancel();
});
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

await using var stdout = Console.OpenStandardOutput();

// OTLP export of the steps' spans and metrics when the workflow sets OTEL_EXPORTER_OTLP_ENDPOINT (the
// runner passes the step's env to the container); disposed before the process exits, which flushes.
using var telemetry = Gadugi.BuildExec.Core.Telemetry.TelemetryExport.Start("gadugi-action");
var console = new ActionConsole(stdout, new SecretRedactor());
try
{
    return await new ActionRunner(ActionEnvironment.FromProcess(), console).RunAsync(cancellation.Token).ConfigureAwait(false);
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    var diagnostic = Gadugi.BuildExec.Core.Diagnostics.Diagnostic.Create(nameof(Gadugi.BuildExec.Core.Diagnostics.DiagnosticMessages.Unexpected), ex.GetType().Name + ": " + ex.Message);
    console.Error(diagnostic);
    console.WriteLine(ex.ToString());
    return ActionRunner.Failure;
}
