using System.Net;
using Gadugi.BuildExec.Core.Diagnostics;
using Octokit;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>One kind of write to GitHub, for messages: what was tried, the request, the permission it needs.</summary>
public sealed record GitHubOperation(string Description, string Request, string Permission);

/// <summary>Turns a failed GitHub call into a coded diagnostic that says what to change.</summary>
public static class GitHubErrors
{
    public static Diagnostic Describe(Exception exception, GitHubOperation operation, string apiUrl, string repository, int attempts)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(operation);
        var message = Message(exception);
        if (GitHubResilience.IsRateLimit(exception) || exception is RateLimitExceededException)
        {
            return Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionGitHubRateLimited), operation.Description, attempts, message);
        }

        return exception switch
        {
            ApiException { StatusCode: HttpStatusCode.Forbidden } => Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionGitHubForbidden), operation.Description, operation.Request, message, operation.Permission, repository),
            ApiException { StatusCode: HttpStatusCode.NotFound } => Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionGitHubNotFound), operation.Description, operation.Request, message, apiUrl, repository),
            ApiException api => Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionGitHubFailed), operation.Description, operation.Request, $"HTTP {(int)api.StatusCode} {message}"),
            _ => Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionGitHubFailed), operation.Description, operation.Request, message),
        };
    }

    private static string Message(Exception exception) => exception switch
    {
        ApiException api when !string.IsNullOrWhiteSpace(api.ApiError?.Message) => api.ApiError!.Message.Trim(),
        HttpRequestException { InnerException: { } inner } => inner.Message,
        TaskCanceledException => "no answer in time",
        _ => exception.Message,
    };
}
