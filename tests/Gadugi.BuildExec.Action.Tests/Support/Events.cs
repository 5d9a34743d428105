using System.Text.Json;

namespace Gadugi.BuildExec.Action.Tests.Support;

/// <summary>Event payloads shaped like the runner's event.json (only the fields that matter, plus some that do not).</summary>
public static class Events
{
    public const string Repository = "octo/sample";
    public const string HeadSha = "0123456789abcdef0123456789abcdef01234567";
    public const string MergeSha = "fedcba9876543210fedcba9876543210fedcba98";
    public const string BaseSha = "1111111111111111111111111111111111111111";

    public static string PullRequest(int number = 7, string headRepository = Repository, string baseRepository = Repository) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["action"] = "synchronize",
            ["number"] = number,
            ["pull_request"] = new Dictionary<string, object?>
            {
                ["number"] = number,
                ["state"] = "open",
                ["title"] = "Make it better",
                ["head"] = new Dictionary<string, object?>
                {
                    ["ref"] = "feature",
                    ["sha"] = HeadSha,
                    ["repo"] = new Dictionary<string, object?> { ["full_name"] = headRepository, ["fork"] = headRepository != baseRepository },
                },
                ["base"] = new Dictionary<string, object?>
                {
                    ["ref"] = "main",
                    ["sha"] = BaseSha,
                    ["repo"] = new Dictionary<string, object?> { ["full_name"] = baseRepository, ["fork"] = false },
                },
            },
            ["repository"] = new Dictionary<string, object?> { ["full_name"] = baseRepository },
            ["sender"] = new Dictionary<string, object?> { ["login"] = "octocat" },
        });

    /// <summary>issue_comment on pull request #<paramref name="number"/>: the issue links the pull request but names no commit.</summary>
    public static string IssueComment(int number = 7) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["action"] = "created",
            ["issue"] = new Dictionary<string, object?>
            {
                ["number"] = number,
                ["title"] = "Make it better",
                ["pull_request"] = new Dictionary<string, object?> { ["url"] = $"https://api.github.com/repos/{Repository}/pulls/{number}" },
            },
            ["comment"] = new Dictionary<string, object?> { ["id"] = 1, ["body"] = "/gadugi run", ["user"] = new Dictionary<string, object?> { ["login"] = "octocat", ["type"] = "User" } },
            ["repository"] = new Dictionary<string, object?> { ["full_name"] = Repository },
        });

    public static string Push() =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["ref"] = "refs/heads/main",
            ["after"] = MergeSha,
            ["repository"] = new Dictionary<string, object?> { ["full_name"] = Repository },
        });

    /// <summary>workflow_run, as a workflow that publishes another run's results gets it: the commit that run built.</summary>
    public static string WorkflowRun(string headSha = HeadSha) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["action"] = "completed",
            ["workflow_run"] = new Dictionary<string, object?>
            {
                ["id"] = 99,
                ["event"] = "pull_request",
                ["head_sha"] = headSha,
                ["conclusion"] = "failure",
                ["pull_requests"] = Array.Empty<object>(),
            },
            ["repository"] = new Dictionary<string, object?> { ["full_name"] = Repository },
        });
}
