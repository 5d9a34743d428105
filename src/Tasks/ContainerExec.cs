using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using CoreKillReason = Gadugi.BuildExec.Core.Execution.KillReason;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

public sealed partial class ContainerExec : ContextAwareTask, IDisposable
{
    private const int ShownCommandLength = 300;
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<string> _consoleLines = [];

    protected override void OnCancel() => _cancel.Cancel();

    protected override bool ExportsTelemetry => true;

    protected override bool ExecuteInner()
    {
        TaskResources = TaskMessages.ResourceManager;
        if (CancelRequested)
        {
            _cancel.Cancel();
        }

        return System.Threading.Tasks.Task.Run(() => ExecuteAsync(_cancel.Token)).GetAwaiter().GetResult();
    }

    /// <summary>The parameters as <see cref="ContainerExecRequest"/> maps them.</summary>
    internal ContainerExecSettings Settings() => new()
    {
        Command = Command,
        Arguments = Arguments?.Select(item => item.ItemSpec).ToArray(),
        Policy = Policy,
        PolicyFile = PolicyFile,
        Image = Image,
        WorkingDirectory = WorkingDirectory,
        InputDirectory = InputDirectory,
        OutputDirectory = OutputDirectory,
        Timeout = Timeout,
        EnvironmentVariables = EnvironmentVariables,
        Memory = Memory,
        Cpus = Cpus,
        Network = Network,
        AllowHomeDirectory = AllowHomeDirectory,
    };

    internal string ProjectDirectory =>
        BuildEngine?.ProjectFileOfTaskNode is { Length: > 0 } project && Path.GetDirectoryName(Path.GetFullPath(project)) is { } directory
            ? directory
            : Directory.GetCurrentDirectory();

    private async Task<bool> ExecuteAsync(CancellationToken cancellationToken)
    {
        var shown = ShownCommand();
        LogLoadContext();
        try
        {
            var stdoutImportance = ParseImportance(nameof(StandardOutputImportance), StandardOutputImportance, MessageImportance.High);
            var stderrImportance = ParseImportance(nameof(StandardErrorImportance), StandardErrorImportance, MessageImportance.Normal);
            var request = ContainerExecRequest.Build(Settings(), ProjectDirectory);
            var sink = new LineSplittingSink((stream, line) => OnLine(line, stream == OutputStreamKind.Stdout ? stdoutImportance : stderrImportance, request.WorkingDirectory));
            request = request with { Output = sink };
            if (!EchoOff)
            {
                Log.LogMessage(MessageImportance.Normal, "{0} (sandbox: policy {1}, image {2}, workspace {3})", shown, request.Policy.Name, request.Policy.Image, request.WorkingDirectory);
            }

            var options = ExecutorOptionsBuilder.Build(
                string.IsNullOrWhiteSpace(AuditLog) ? null : Path.GetFullPath(AuditLog, ProjectDirectory),
                string.IsNullOrWhiteSpace(EngineEndpoint) ? null : new Uri(EngineEndpoint));
            ExecutionResult result;
            using var loggerFactory = new BuildLogLoggerFactory(Log, null);
            await using (var executor = new SandboxExecutor(options, loggerFactory))
            {
                try
                {
                    result = await executor.RunAsync(request, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    sink.Flush();
                }
            }

            Report(result, request, shown);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            KillReason = "cancelled";
            Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.TaskCancelled), shown, "(not started)");
        }
        catch (PolicyFileException ex) when (ex.Issues.Count > 0)
        {
            foreach (var issue in ex.Issues)
            {
                Log.Error(issue.Diagnostic, issue.File, (int)issue.Line, (int)issue.Column);
            }
        }
        catch (GadugiException ex)
        {
            Log.Error(ex.Diagnostic, BuildEngine?.ProjectFileOfTaskNode);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Core's message (GBX9000), not one of the task resources: logged with its code by hand.
            var unexpected = Diagnostic.Create(nameof(DiagnosticMessages.Unexpected), $"ContainerExec: {ex.GetType().Name}: {ex.Message}");
            Log.Error(unexpected, BuildEngine?.ProjectFileOfTaskNode);
        }

        lock (_consoleLines)
        {
            ConsoleOutput = _consoleLines.Select(line => (ITaskItem)new TaskItem(MSBuildEscape(line))).ToArray();
        }

        return !Log.HasLoggedErrors;
    }

    private void Report(ExecutionResult result, ExecutionRequest request, string shown)
    {
        ExitCode = result.ExitCode;
        ExecutionId = result.ExecutionId;
        Sandboxed = result.Sandboxed;
        OutputFiles = request.OutputDirectory is { } outputDirectory
            ? result.OutputFiles.Select(file => (ITaskItem)new TaskItem(MSBuildEscape(Path.Combine(outputDirectory, file)))).ToArray()
            : [];
        AuditLogPath = result.AuditLog ?? string.Empty;
        AuditRecordHash = result.AuditRecordHash ?? string.Empty;
        AuditSequence = result.AuditSequence ?? -1;
        KillReason = result.KillReason switch
        {
            CoreKillReason.Timeout => "timeout",
            CoreKillReason.Oom => "oom",
            CoreKillReason.OutputLimit => "output_limit",
            CoreKillReason.Cancelled => "cancelled",
            _ => string.Empty,
        };

        Log.LogMessage(
            MessageImportance.Low,
            "Execution {0}: exit code {1}{2}, {3:0.0} s, {4}; audit record #{5} {6} in {7}",
            result.ExecutionId,
            result.ExitCode,
            result.KillReason is { } reason ? " (" + RunWording.Killed(reason) + ")" : string.Empty,
            result.WallTime.TotalSeconds,
            result.Sandboxed ? "sandboxed in " + result.Image : "UNSANDBOXED",
            AuditSequence,
            AuditRecordHash,
            AuditLogPath);

        if (!result.Sandboxed)
        {
            Log.WarningFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.TaskRanUnsandboxed), shown, request.Policy.Name);
        }

        var policy = request.Policy;
        switch (result.KillReason)
        {
            case CoreKillReason.Timeout:
                Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.TaskTimedOut), shown, PolicyValueParser.FormatDuration(policy.Timeout), policy.Name, result.ExecutionId);
                break;
            case CoreKillReason.Oom:
                Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.TaskOutOfMemory), shown, PolicyValueParser.FormatSize(policy.MemoryBytes), policy.Name, result.ExecutionId);
                break;
            case CoreKillReason.OutputLimit:
                Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.TaskOutputLimit), shown, PolicyValueParser.FormatSize(policy.OutputLimitBytes), policy.Name, result.ExecutionId);
                break;
            case CoreKillReason.Cancelled:
                Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.TaskCancelled), shown, result.ExecutionId);
                break;
            default:
                if (result.ExitCode != 0 && !IgnoreExitCode)
                {
                    Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.TaskCommandFailed), shown, result.ExitCode, policy.Name, result.ExecutionId);
                }

                break;
        }
    }

    private void OnLine(string line, MessageImportance importance, string hostWorkspace)
    {
        if (ConsoleToMSBuild && !string.IsNullOrWhiteSpace(line))
        {
            lock (_consoleLines)
            {
                _consoleLines.Add(line);
            }
        }

        if (IgnoreStandardErrorWarningFormat)
        {
            Log.LogMessage(importance, "{0}", line);
        }
        else
        {
            // As Exec: canonical "file(line,col): error CODE: text" lines become errors and warnings.
            Log.LogMessageFromText(WorkspacePaths.ToHost(line, hostWorkspace), importance);
        }
    }

    /// <summary>Where the task's dependencies come from (diagnostic verbosity; the isolation tests read it).</summary>
    private void LogLoadContext()
    {
        var context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(GetType().Assembly);
        Log.LogMessage(
            MessageImportance.Low,
            "Gadugi.BuildExec load context '{0}': YamlDotNet {1}, Microsoft.Extensions.Logging.Abstractions {2}",
            context?.Name ?? "(none)",
            typeof(YamlDotNet.RepresentationModel.YamlStream).Assembly.GetName().Version,
            typeof(Microsoft.Extensions.Logging.ILogger).Assembly.GetName().Version);
    }

    private string ShownCommand()
    {
        var text = !string.IsNullOrWhiteSpace(Command)
            ? Command.Trim()
            : string.Join(' ', (Arguments ?? []).Select(item => item.ItemSpec));
        text = text.ReplaceLineEndings(" ");
        return text.Length <= ShownCommandLength ? text : string.Concat(text.AsSpan(0, ShownCommandLength), "…");
    }

    private static MessageImportance ParseImportance(string parameter, string? value, MessageImportance fallback) =>
        string.IsNullOrWhiteSpace(value)
            ? fallback
            : Enum.TryParse<MessageImportance>(value.Trim(), ignoreCase: true, out var importance) && Enum.IsDefined(importance)
                ? importance
                : throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.TaskParameterInvalid), parameter, value, "High, Normal or Low"));

    /// <summary>MSBuild's escaping (%XX) of the characters that are special in item specs.</summary>
    internal static string MSBuildEscape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '%' or '*' or '?' or '@' or '$' or '(' or ')' or ';' or '\'')
            {
                builder.Append('%').Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public void Dispose() => _cancel.Dispose();
}

/// <summary>Maps the sandbox's /workspace paths at the start of a line back to the host's directory.</summary>
public static partial class WorkspacePaths
{
    public const string ContainerWorkspace = "/workspace";

    [GeneratedRegex(@"^(?<lead>\s*(\d+>)?)/workspace(?=[/(:]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingWorkspacePath();

    public static string ToHost(string line, string hostWorkspace) =>
        LeadingWorkspacePath().Replace(line, match => match.Groups["lead"].Value + hostWorkspace.TrimEnd('/'), 1);
}
