using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>
/// The action's inputs as the runner passes them: <c>INPUT_&lt;NAME&gt;</c>, the name upper-cased with
/// spaces turned into '_' and hyphens kept (so every input name is snake_case). An unset input falls
/// back to the default declared here, which a test keeps equal to action.yml's.
/// </summary>
public sealed record ActionInputs
{
    public const string RunName = "run";
    public const string PolicyName = "policy";
    public const string PolicyFileName = "policy_file";
    public const string WorkingDirectoryName = "working_directory";
    public const string GitHubTokenName = "github_token";
    public const string CommentName = "comment";
    public const string CheckNameName = "check_name";
    public const string FailOnName = "fail_on";
    public const string WorkflowName = "workflow";
    public const string OnlyName = "only";
    public const string MaxParallelName = "max_parallel";
    public const string ModeName = "mode";
    public const string EnvName = "env";
    public const string TimeoutName = "timeout";
    public const string MemoryName = "memory";
    public const string TestResultsName = "test_results";
    public const string CommentModeName = "comment_mode";
    public const string ResultFileName = "result_file";
    public const string EventFileName = "event_file";

    /// <summary>Every input the code reads, with the default action.yml declares (null: no default).</summary>
    public static IReadOnlyDictionary<string, string?> Declared { get; } = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        [RunName] = string.Empty,
        [PolicyName] = "shell",
        [PolicyFileName] = string.Empty,
        [WorkingDirectoryName] = ".",
        [GitHubTokenName] = "${{ github.token }}",
        [CommentName] = "true",
        [CheckNameName] = "gadugi",
        [FailOnName] = "error",
        [WorkflowName] = string.Empty,
        [OnlyName] = string.Empty,
        [MaxParallelName] = string.Empty,
        [ModeName] = "script",
        [EnvName] = string.Empty,
        [TimeoutName] = string.Empty,
        [MemoryName] = string.Empty,
        [TestResultsName] = string.Empty,
        [CommentModeName] = "always",
        [ResultFileName] = string.Empty,
        [EventFileName] = string.Empty,
    };

    public required string Run { get; init; }

    public required string Policy { get; init; }

    public string? PolicyFile { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>Never printed; see <see cref="SecretRedactor"/>.</summary>
    public string? GitHubToken { get; init; }

    public bool Comment { get; init; }

    public required string CheckName { get; init; }

    public FailOn FailOn { get; init; }

    /// <summary>A workflow file (docs/gadugi.md) to run instead of <see cref="Run"/>; null for none.</summary>
    public string? Workflow { get; init; }

    /// <summary>The workflow's task ids to run (comma or space separated); empty means all.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    public int? MaxParallel { get; init; }
    /// <summary>script: the whole 'run' block is one bash script in one sandbox (as GitHub's 'bash -e {0}'); lines: one sandbox per line.</summary>
    public RunMode Mode { get; init; }

    /// <summary>The 'env' input: variable names with their values from the step's environment (the action's own).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Lower the policy's timeout (never above it).</summary>
    public string? Timeout { get; init; }

    /// <summary>Lower the policy's memory limit (never above it).</summary>
    public string? Memory { get; init; }

    /// <summary>Glob patterns (one per line) of TRX and JUnit XML files, relative to the working directory.</summary>
    public IReadOnlyList<string> TestResults { get; init; } = [];

    public CommentMode CommentMode { get; init; }

    /// <summary>Publish-only mode: a 'result' output saved by an earlier run (a workflow_run workflow publishes it).</summary>
    public string? ResultFile { get; init; }

    /// <summary>Publish-only mode: the event payload of the run that produced <see cref="ResultFile"/>.</summary>
    public string? EventFile { get; init; }

    /// <summary>The runner's variable name for an input.</summary>
    public static string VariableName(string input) =>
        "INPUT_" + input.Replace(' ', '_').ToUpperInvariant();

    public static ActionInputs Read(ActionEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Raw(string name) => environment.Get(VariableName(name))?.Trim() is { Length: > 0 } value ? value : null;
        string Value(string name) => Raw(name) ?? Declared[name] ?? string.Empty;

        var run = environment.Get(VariableName(RunName)) ?? string.Empty;
        var checkName = Value(CheckNameName);
        if (checkName.Contains("--", StringComparison.Ordinal) || checkName.Length > 100)
        {
            // The name goes into an HTML comment marker; "--" would end it.
            throw Invalid(CheckNameName, checkName, "a name of at most 100 characters without \"--\"");
        }

        var token = Raw(GitHubTokenName);
        return new ActionInputs
        {
            Run = run,
            Policy = Value(PolicyName),
            PolicyFile = Raw(PolicyFileName),
            WorkingDirectory = Value(WorkingDirectoryName),
            // An unexpanded default means the input reached us outside a workflow: treat as no token.
            GitHubToken = token is null || token.StartsWith("${{", StringComparison.Ordinal) ? null : token,
            Comment = ParseBoolean(CommentName, Value(CommentName)),
            CheckName = checkName,
            Workflow = Raw(WorkflowName),
            Only = (Raw(OnlyName) ?? string.Empty).Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            MaxParallel = Raw(MaxParallelName) is { } parallel
                ? int.TryParse(parallel, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64 ? n : throw Invalid(MaxParallelName, parallel, "a whole number from 1 to 64")
                : null,
            FailOn = Value(FailOnName).ToLowerInvariant() switch
            {
                "error" => FailOn.Error,
                "never" => FailOn.Never,
                var other => throw Invalid(FailOnName, other, "error, never"),
            },
            Mode = Value(ModeName).ToLowerInvariant() switch
            {
                "script" => RunMode.Script,
                "lines" => RunMode.Lines,
                var other => throw Invalid(ModeName, other, "script, lines"),
            },
            Environment = StepEnvironment.Read(Raw(EnvName), environment),
            Timeout = Raw(TimeoutName),
            Memory = Raw(MemoryName),
            TestResults = Lines(Raw(TestResultsName)),
            CommentMode = Value(CommentModeName).ToLowerInvariant() switch
            {
                "always" => CommentMode.Always,
                "failures" => CommentMode.Failures,
                "off" => CommentMode.Off,
                var other => throw Invalid(CommentModeName, other, "always, failures, off"),
            },
            ResultFile = Raw(ResultFileName),
            EventFile = Raw(EventFileName),
        };
    }

    private static string[] Lines(string? text) =>
        text is null ? [] : text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => !line.StartsWith('#')).ToArray();

    private static bool ParseBoolean(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw Invalid(name, value, "true, false"),
    };

    internal static GadugiException Invalid(string name, string value, string allowed) =>
        new(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionInputInvalid), name, value, allowed));
}

/// <summary>How the 'run' input becomes sandboxed steps.</summary>
public enum RunMode
{
    Script,
    Lines,
}

/// <summary>When the sticky comment is written: always, only when something failed, or never.</summary>
public enum CommentMode
{
    Always,
    Failures,
    Off,
}

/// <summary>When failed steps fail the action.</summary>
public enum FailOn
{
    Error,
    Never,
}
