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
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
