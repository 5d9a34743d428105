using System.Reflection;
using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks.Tests.Support;

/// <summary>Records every build event of an in-process build; <see cref="Logger"/> is the ILogger to pass.</summary>
/// <remarks>A DispatchProxy implements ILogger for the reason given on <see cref="RecordingBuildEngine"/>.</remarks>
internal sealed class EventRecorder
{
    private readonly Lock _lock = new();
    private readonly List<BuildEventArgs> _events = [];

    public EventRecorder()
    {
        Logger = DispatchProxy.Create<ILogger, LoggerProxy>();
        ((LoggerProxy)(object)Logger).Owner = this;
    }

    public ILogger Logger { get; }

    public IReadOnlyList<BuildEventArgs> Events { get { lock (_lock) { return _events.ToArray(); } } }

    public IEnumerable<string> TargetsRun => Events.OfType<TargetStartedEventArgs>().Select(e => e.TargetName);

    public IEnumerable<string> TasksRun => Events.OfType<TaskStartedEventArgs>().Select(e => e.TaskName);

    public IEnumerable<BuildErrorEventArgs> Errors => Events.OfType<BuildErrorEventArgs>();

    public IEnumerable<string> Messages => Events.OfType<BuildMessageEventArgs>().Select(e => e.Message ?? string.Empty);

    public string Text => string.Join('\n', Events.Select(e => e switch
    {
        BuildErrorEventArgs error => $"ERROR {error.Code}: {error.Message}",
        BuildWarningEventArgs warning => $"WARNING {warning.Code}: {warning.Message}",
        _ => e.Message,
    }));

    internal object? Handle(string member, object?[]? args)
    {
        if (member == nameof(ILogger.Initialize))
        {
            ((IEventSource)args![0]!).AnyEventRaised += (_, e) =>
            {
                lock (_lock)
                {
                    _events.Add(e);
                }
            };
        }

        return member switch
        {
            "get_" + nameof(ILogger.Verbosity) => LoggerVerbosity.Diagnostic,
            "get_" + nameof(ILogger.Parameters) => null,
            _ => null,
        };
    }
}

/// <summary>The run-time implementation of <see cref="ILogger"/> for <see cref="EventRecorder"/>.</summary>
public class LoggerProxy : DispatchProxy
{
    internal EventRecorder Owner { get; set; } = null!;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => Owner.Handle(targetMethod!.Name, args);
}
