using System.CommandLine;
using Gadugi.BuildExec.Cli.Commands;

var run = RunCommand.Create();
var hook = HookCommand.Create();
var root = new RootCommand("gadugi-exec: run untrusted commands in hardened, resource-limited containers.")
{
    run,
    PolicyCommand.Create(),
    AuditCommand.Create(),
    DoctorCommand.Create(),
    ImagesCommand.Create(),
    WorkflowCommand.Create(),
    hook,
};

// On Ctrl+C/SIGTERM commands get time to stop their children and remove what they created (a
// sandbox is killed and removed; an image build waits for mmdebstrap to unmount) before the
// process is ended.
// 'run' handles its signals itself (it forwards them to the command: RunSignals).
var parsed = root.Parse(args);
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = parsed.CommandResult.Command == run ? null : TimeSpan.FromSeconds(45) };
return RunCommand.ReportParseErrors(parsed, run) ?? HookCommand.ReportParseErrors(parsed, hook) ?? await parsed.InvokeAsync(invocation).ConfigureAwait(false);
