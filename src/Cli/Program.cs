using System.CommandLine;
using Gadugi.BuildExec.Cli.Commands;
using Gadugi.BuildExec.Cli.Telemetry;

var run = RunCommand.Create();
var root = CliCommands.CreateRoot(run);

// On Ctrl+C/SIGTERM commands get time to stop their children and remove what they created (a
// sandbox is killed and removed; an image build waits for mmdebstrap to unmount) before the
// process is ended.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) };
var parsed = root.Parse(args);
CliConsole.JsonLogs = parsed.GetValue(CliCommands.LogFormat) == "json";

// Disposed before the process exits, which flushes the last spans and metrics.
using var telemetry = CliTelemetry.Start();
return RunCommand.ReportParseErrors(parsed, run) ?? await parsed.InvokeAsync(invocation).ConfigureAwait(false);
