using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Tasks.Resources;
using MessageImportance = Microsoft.Build.Framework.MessageImportance;
using Microsoft.Build.Utilities;
using Microsoft.Extensions.Logging;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// The executor's log messages in the build log: warnings (and errors, which the executor only logs
/// about things that did not stop the run) as GBX4017 warnings, information as normal messages, debug
/// and trace as low ones. Closed when the task ends: MSBuild refuses messages from a finished task.
/// </summary>
internal sealed class BuildLogLoggerFactory(TaskLoggingHelper log, string? projectFile) : ILoggerFactory
{
    // The executor's own warning that it ran on the host: the task reports that itself (GBX4009).
    private const int UnsandboxedFallbackEventId = 4;

    private readonly Lock _gate = new();
    private bool _closed;

    public ILogger CreateLogger(string categoryName) => new BuildLogLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    private void Write(LogLevel level, EventId eventId, string message)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            if (level >= LogLevel.Warning && eventId.Id != UnsandboxedFallbackEventId)
            {
                log.WarningFromResources(TaskMessages.ResourceManager, projectFile, nameof(TaskMessages.ExecutorWarning), message);
            }
            else
            {
                log.LogMessage(level >= LogLevel.Information ? MessageImportance.Normal : MessageImportance.Low, "{0}", message);
            }
        }
    }

    private sealed class BuildLogLogger(BuildLogLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var message = formatter(state, exception);
            factory.Write(logLevel, eventId, exception is null ? message : $"{message} ({exception.GetType().Name}: {exception.Message})");
        }
    }
}
