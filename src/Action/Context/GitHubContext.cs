namespace Gadugi.BuildExec.Action.Context;

/// <summary>The GITHUB_* and RUNNER_* variables the runner sets for every step.</summary>
public sealed record GitHubContext
{
    public const string DefaultApiUrl = "https://api.github.com";
    public const string DefaultServerUrl = "https://github.com";

    /// <summary>owner/name of the repository the workflow runs in.</summary>
    public string? Repository { get; init; }

    public string? Sha { get; init; }

    public string? Ref { get; init; }

    public string? EventName { get; init; }

    public string? EventPath { get; init; }

    public string ApiUrl { get; init; } = DefaultApiUrl;

    public string ServerUrl { get; init; } = DefaultServerUrl;

    /// <summary>The workspace as this process sees it (/github/workspace in the action container).</summary>
    public required string Workspace { get; init; }

    public string? OutputFile { get; init; }

    /// <summary>HOME: /github/home in the action container, which the runner mounts from $RUNNER_TEMP/_github_home (outside the workspace).</summary>
    public string? Home { get; init; }

    public string? StepSummaryFile { get; init; }

    public string? RunId { get; init; }

    public string? Actor { get; init; }

    public string? Job { get; init; }

    public bool IsActions { get; init; }

    public string? Owner => Repository?.Split('/', 2)[0];

    public string? RepositoryName => Repository?.Split('/', 2) is [_, var name] ? name : null;

    /// <summary>Link to this workflow run, when the runner said which run this is.</summary>
    public string? RunUrl => Repository is null || RunId is null ? null : $"{ServerUrl.TrimEnd('/')}/{Repository}/actions/runs/{RunId}";

    public static GitHubContext Read(ActionEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new GitHubContext
        {
            Repository = environment.Get("GITHUB_REPOSITORY"),
            Sha = environment.Get("GITHUB_SHA"),
            Ref = environment.Get("GITHUB_REF"),
            EventName = environment.Get("GITHUB_EVENT_NAME"),
            EventPath = environment.Get("GITHUB_EVENT_PATH"),
            ApiUrl = environment.Get("GITHUB_API_URL") ?? DefaultApiUrl,
            ServerUrl = environment.Get("GITHUB_SERVER_URL") ?? DefaultServerUrl,
            Workspace = Path.GetFullPath(environment.Get("GITHUB_WORKSPACE") ?? Directory.GetCurrentDirectory()),
            OutputFile = environment.Get("GITHUB_OUTPUT"),
            Home = environment.Get("HOME"),
            StepSummaryFile = environment.Get("GITHUB_STEP_SUMMARY"),
            RunId = environment.Get("GITHUB_RUN_ID"),
            Actor = environment.Get("GITHUB_ACTOR"),
            Job = environment.Get("GITHUB_JOB"),
            IsActions = string.Equals(environment.Get("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase),
        };
    }
}
