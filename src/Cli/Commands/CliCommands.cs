using System.CommandLine;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>The command tree of gadugi-exec: one place that names every command and subcommand.</summary>
internal static class CliCommands
{
    public const string Description = "gadugi-exec: run untrusted commands in hardened, resource-limited containers.";

    public static RootCommand CreateRoot(Command run) => new(Description)
    {
        run,
        PolicyCommand.Create(),
        AuditCommand.Create(),
        DoctorCommand.Create(),
        ImagesCommand.Create(),
    };

    /// <summary>Every command below the root, as the words that name it ("policy check").</summary>
    public static IEnumerable<string[]> Walk(Command command, string[]? path = null)
    {
        foreach (var child in command.Subcommands)
        {
            string[] childPath = [.. path ?? [], child.Name];
            yield return childPath;
            foreach (var grandchild in Walk(child, childPath))
            {
                yield return grandchild;
            }
        }
    }
}
