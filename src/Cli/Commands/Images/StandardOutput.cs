using Spectre.Console;

namespace Gadugi.BuildExec.Cli.Commands.Images;

/// <summary>
/// The console for command results: Spectre's own when a person is watching; plain text (no
/// colours, no escapes, wide enough not to wrap table rows) when output goes to a pipe, a file or a CI log.
/// </summary>
internal static class StandardOutput
{
    private const int RedirectedWidth = 240;

    public static bool IsInteractive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public static IAnsiConsole Create()
    {
        if (IsInteractive)
        {
            return AnsiConsole.Console;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        console.Profile.Width = RedirectedWidth;
        return console;
    }
}
