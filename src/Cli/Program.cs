using System.CommandLine;
using Gadugi.BuildExec.Cli.Commands;

var root = new RootCommand("gadugi-exec: run untrusted commands in hardened, resource-limited containers.")
{
    RunCommand.Create(),
    PolicyCommand.Create(),
    AuditCommand.Create(),
    DoctorCommand.Create(),
    ImagesCommand.Create(),
};

// On Ctrl+C/SIGTERM commands get time to stop their children and remove what they created (a
// sandbox is killed and removed; an image build waits for mmdebstrap to unmount) before the
// process is ended.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
