using Gadugi.BuildExec.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>How the CLI reports its own messages: on stderr, prefixed, never mixed into the command's stdout.</summary>
internal static class CliConsole
{
    public static int ReportError(GadugiException error, TextWriter? messages = null)
    {
        (messages ?? Console.Error).WriteLine($"gadugi-exec: error {error.Message}");
        return CliExitCodes.EngineOrPolicyError;
    }

    public static void ReportWarning(Diagnostic warning) => Console.Error.WriteLine($"gadugi-exec: warning {warning}");

    public static int ReportUnexpected(Exception error, TextWriter? messages = null)
    {
        var diagnostic = Diagnostic.Create(nameof(DiagnosticMessages.Unexpected), error.GetType().Name + ": " + error.Message);
        (messages ?? Console.Error).WriteLine($"gadugi-exec: error {diagnostic}");
        return CliExitCodes.EngineOrPolicyError;
    }

    /// <summary>Set from --log-format: log lines as JSON objects instead of text.</summary>
    public static bool JsonLogs { get; set; }

    public static ILoggerFactory CreateLoggerFactory(bool verbose) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
        if (JsonLogs)
        {
            builder.AddJsonConsole(options =>
            {
                options.IncludeScopes = false;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                options.UseUtcTimestamp = true;
                options.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            builder.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.IncludeScopes = false;
                options.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }

        builder.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
