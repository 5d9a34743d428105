using System.CommandLine;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>gadugi-exec images build|list|prune.</summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var command = new Command("images", "Build, list and prune the sandbox runtime images.");
        var build = new Command("build", "Build runtime images from their recipes (skipped when cached).");
        var names = new Argument<string[]>("names") { Arity = ArgumentArity.ZeroOrMore, Description = "Recipes to build (default: all)." };
        build.Arguments.Add(names);
        build.SetAction((parseResult, cancellationToken) =>
        {
            _ = parseResult.GetValue(names);
            return Task.FromResult(0);
        });
        command.Subcommands.Add(build);
        return command;
    }
}
