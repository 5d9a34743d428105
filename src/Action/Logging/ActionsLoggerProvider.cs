using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Action.Logging;

/// <summary>Turns the core's log messages into workflow commands: warnings and errors become annotations, debug lines '::debug::'.</summary>
public sealed class ActionsLoggerProvider(ActionConsole console) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ActionsLogger(console);

    public void Dispose()
    {
    }

    private sealed class ActionsLogger(ActionConsole console) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var message = formatter(state, exception);
            switch (logLevel)
            {
                case LogLevel.Critical or LogLevel.Error:
                    console.Error(message);
                    break;
                case LogLevel.Warning:
                    console.Warning(message);
                    break;
                case LogLevel.Information:
                    console.WriteLine(message);
                    break;
                default:
                    console.Debug(message);
                    break;
            }
        }
    }
}
