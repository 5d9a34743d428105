using System.Reflection;
using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks.Tests.Support;

/// <summary>
/// A build engine for tasks under test that records every event, as sourcelink's MockEngine does
/// ("ERROR CODE: text"). <see cref="Engine"/> is the <see cref="IBuildEngine"/> to give the task.
/// </summary>
/// <remarks>
/// No type in this assembly implements an MSBuild interface: MSTest enumerates the assembly's types
/// before the module initializer registers the SDK's MSBuild, so the interface is implemented by a
/// <see cref="DispatchProxy"/> created at run time.
/// </remarks>
internal sealed class RecordingBuildEngine
{
    private readonly Lock _lock = new();
    private readonly List<BuildErrorEventArgs> _errors = [];
    private readonly List<BuildWarningEventArgs> _warnings = [];
    private readonly List<BuildMessageEventArgs> _messages = [];

    public RecordingBuildEngine(string projectFile)
    {
        ProjectFile = projectFile;
        Engine = DispatchProxy.Create<IBuildEngine, BuildEngineProxy>();
        ((BuildEngineProxy)(object)Engine).Owner = this;
    }

    /// <summary>Raised for each message as it is logged (from any thread).</summary>
    public event Action<BuildMessageEventArgs>? MessageLogged;

    public IBuildEngine Engine { get; }

    public string ProjectFile { get; }

    public IReadOnlyList<BuildErrorEventArgs> Errors { get { lock (_lock) { return _errors.ToArray(); } } }

    public IReadOnlyList<BuildWarningEventArgs> Warnings { get { lock (_lock) { return _warnings.ToArray(); } } }

    public IReadOnlyList<BuildMessageEventArgs> Messages { get { lock (_lock) { return _messages.ToArray(); } } }

    public string Log
    {
        get
        {
            lock (_lock)
            {
                return string.Join('\n', _errors.Select(e => $"ERROR {e.Code}: {e.Message}")
                    .Concat(_warnings.Select(w => $"WARNING {w.Code}: {w.Message}"))
                    .Concat(_messages.Select(m => $"MESSAGE {m.Importance}: {m.Message}")));
            }
        }
    }

    internal object? Handle(string member, object?[]? args)
    {
        switch (member)
        {
            case nameof(IBuildEngine.LogErrorEvent):
                lock (_lock)
                {
                    _errors.Add((BuildErrorEventArgs)args![0]!);
                }

                return null;
            case nameof(IBuildEngine.LogWarningEvent):
                lock (_lock)
                {
                    _warnings.Add((BuildWarningEventArgs)args![0]!);
                }

                return null;
            case nameof(IBuildEngine.LogMessageEvent):
                var message = (BuildMessageEventArgs)args![0]!;
                lock (_lock)
                {
                    _messages.Add(message);
                }

                MessageLogged?.Invoke(message);
                return null;
            case nameof(IBuildEngine.LogCustomEvent):
                return null;
            case "get_" + nameof(IBuildEngine.ContinueOnError):
                return false;
            case "get_" + nameof(IBuildEngine.LineNumberOfTaskNode):
            case "get_" + nameof(IBuildEngine.ColumnNumberOfTaskNode):
                return 0;
            case "get_" + nameof(IBuildEngine.ProjectFileOfTaskNode):
                return ProjectFile;
            default:
                throw new NotSupportedException("RecordingBuildEngine does not support " + member);
        }
    }
}

/// <summary>The run-time implementation of <see cref="IBuildEngine"/> for <see cref="RecordingBuildEngine"/>.</summary>
public class BuildEngineProxy : DispatchProxy
{
    internal RecordingBuildEngine Owner { get; set; } = null!;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => Owner.Handle(targetMethod!.Name, args);
}
