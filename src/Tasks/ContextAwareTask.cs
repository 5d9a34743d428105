using System.Reflection;
using Gadugi.BuildExec.Core.Telemetry;
using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Base of every task in the package. MSBuild creates the task in whatever context it loads task
/// assemblies into; <see cref="Execute"/> then creates the same task type inside the package's
/// <see cref="TaskLoadContext"/>, copies the parameters in, runs it there, and copies the outputs back.
/// Only types of MSBuild's API and the BCL cross the boundary, so task parameters use only those.
/// </summary>
public abstract class ContextAwareTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly Lock _cancelLock = new();
    private ICancelableTask? _inner;
    private bool _cancelRequested;

    /// <summary>True when this instance runs inside the private context (the real work happens here).</summary>
    protected bool IsInPrivateContext => TaskLoadContext.Owns(GetType().Assembly);

    public sealed override bool Execute()
    {
        if (IsInPrivateContext)
        {
            // Flushed before the task returns: an MSBuild node outlives the build (node reuse), and
            // a span or point still buffered when the node goes idle would never be sent.
            using var telemetry = ExportsTelemetry ? TelemetryExport.Start(TelemetryServiceName) : null;
            return ExecuteInner();
        }

        var assemblyPath = GetType().Assembly.Location;
        var context = TaskLoadContext.For(assemblyPath);
        var innerType = context.LoadFromAssemblyPath(assemblyPath).GetType(GetType().FullName!, throwOnError: true)!;
        var inner = (ITask)Activator.CreateInstance(innerType)!;

        var pairs = Parameters(GetType())
            .Select(outer => (Outer: outer, Inner: innerType.GetProperty(outer.Name, BindingFlags.Public | BindingFlags.Instance)))
            .Where(pair => pair.Inner is { CanWrite: true, CanRead: true })
            .ToArray();
        foreach (var (outer, innerProperty) in pairs)
        {
            innerProperty!.SetValue(inner, outer.GetValue(this));
        }

        lock (_cancelLock)
        {
            _inner = inner as ICancelableTask;
            if (_cancelRequested)
            {
                _inner?.Cancel();
            }
        }

        var result = inner.Execute();
        foreach (var (outer, innerProperty) in pairs.Where(pair => pair.Outer.IsDefined(typeof(OutputAttribute))))
        {
            outer.SetValue(this, innerProperty!.GetValue(inner));
        }

        return result;
    }

    /// <summary>Cancels the running task: the sandbox is killed and removed.</summary>
    public void Cancel()
    {
        ICancelableTask? inner;
        lock (_cancelLock)
        {
            _cancelRequested = true;
            inner = _inner;
        }

        if (inner is not null)
        {
            inner.Cancel();
        }
        else if (IsInPrivateContext)
        {
            OnCancel();
        }
    }

    /// <summary>The service.name of the tasks' exported spans and metrics.</summary>
    public const string TelemetryServiceName = "gadugi-msbuild";

    /// <summary>
    /// Whether the task runs executions, whose spans and metrics are exported over OTLP while it runs
    /// when OTEL_EXPORTER_OTLP_ENDPOINT is set (<see cref="TelemetryExport"/>; OpenTelemetry's assemblies
    /// load into the private context from the task folder, and only then).
    /// </summary>
    protected virtual bool ExportsTelemetry => false;

    /// <summary>The task's work, run inside the private context.</summary>
    protected abstract bool ExecuteInner();

    /// <summary>Called (inside the private context) when the build is cancelled.</summary>
    protected virtual void OnCancel()
    {
    }

    /// <summary>Whether <see cref="Cancel"/> was called before or during <see cref="ExecuteInner"/>.</summary>
    protected bool CancelRequested
    {
        get
        {
            lock (_cancelLock)
            {
                return _cancelRequested;
            }
        }
    }

    private static IEnumerable<PropertyInfo> Parameters(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p is { CanRead: true, CanWrite: true } && p.GetIndexParameters().Length == 0);
}
