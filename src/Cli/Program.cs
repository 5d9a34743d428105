using System.CommandLine;
using Gadugi.BuildExec.Cli.Commands;
using Gadugi.BuildExec.Cli.Telemetry;

var run = RunCommand.Create();
var hook = HookCommand.Create();
var root = CliCommands.CreateRoot(run, hook);

// On Ctrl+C/SIGTERM commands get time to stop their children and remove what they created (a
// sandbox is killed and removed; an image build waits for mmdebstrap to unmount) before the
// process is ended.
// 'run' handles its signals itself (it forwards them to the command: RunSignals).
var parsed = root.Parse(args);
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = parsed.CommandResult.Command == run ? null : TimeSpan.FromSeconds(45) };
CliConsole.JsonLogs = parsed.GetValue(CliCommands.LogFormat) == "json";

// Disposed before the process exits, which flushes the last spans and metrics.
using var telemetry = CliTelemetry.Start();
return RunCommand.ReportParseErrors(parsed, run) ?? HookCommand.ReportParseErrors(parsed, hook) ?? await parsed.InvokeAsync(invocation).ConfigureAwait(false);
