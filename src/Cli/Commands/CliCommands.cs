using System.CommandLine;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>The command tree of gadugi-exec: one place that names every command and subcommand.</summary>
internal static class CliCommands
{
    public const string Description = "gadugi-exec: run untrusted commands in hardened, resource-limited containers.";

    /// <summary>--log-format text|json, on every command: how the CLI's log lines (--verbose, warnings) are written on stderr.</summary>
    public static Option<string> LogFormat { get; } = CreateLogFormat();

    public static RootCommand CreateRoot(Command run, Command? hook = null)
    {
        var root = new RootCommand(Description)
        {
            run,
            PolicyCommand.Create(),
            AuditCommand.Create(),
            DoctorCommand.Create(),
            ImagesCommand.Create(),
            WorkflowCommand.Create(),
            hook ?? HookCommand.Create(),
            PoolCommand.Create(),
        };
        root.Options.Add(LogFormat);
        return root;
    }

    private static Option<string> CreateLogFormat()
    {
        var option = new Option<string>("--log-format")
        {
            Description = "Log lines on stderr as text or as JSON objects, one a line (timestamp, level, category, event id, message and its fields).",
            DefaultValueFactory = _ => "text",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }

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
