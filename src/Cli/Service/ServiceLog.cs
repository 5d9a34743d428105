using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>The service's own log lines (its log file beside the socket).</summary>
internal static partial class ServiceLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "listening on {Socket}")]
    public static partial void Listening(ILogger logger, string socket);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "{Refusal}")]
    public static partial void Refused(ILogger logger, string refusal);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Debug, Message = "a client ended")]
    public static partial void ClientEnded(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Error, Message = "unexpected failure serving a client")]
    public static partial void ClientFailed(ILogger logger, Exception exception);
}
