using System.CommandLine;
using Gadugi.BuildExec.Cli.Commands;

var root = new RootCommand("gadugi-exec: run untrusted commands in hardened, resource-limited containers.");
root.Subcommands.Add(ImagesCommand.Create());

// On Ctrl+C/SIGTERM commands get time to stop their children and remove scratch files
// (an image build waits up to 30 s for mmdebstrap to unmount) before the process is ended.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
