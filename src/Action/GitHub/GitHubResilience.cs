using System.Globalization;
using System.Net;
using Octokit;
using Polly;
using Polly.Retry;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>Retry settings for GitHub calls; tests shorten the waits that have no Retry-After.</summary>
public sealed record GitHubRetryOptions
{
    public int MaxRetries { get; init; } = 4;

    /// <summary>Wait after a secondary rate limit without Retry-After (GitHub asks for at least a minute).</summary>
    public TimeSpan SecondaryLimitWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First wait after a transient server or network error; doubles each time.</summary>
    public TimeSpan TransientWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// No single wait is longer, whatever Retry-After says; a primary rate limit whose reset is
    /// further away than this is not waited for at all.
    /// </summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>All of reporting (requests and waits) ends within this time after it starts.</summary>
    public TimeSpan ReportingTimeLimit { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>One request gets no longer to answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>No retry whose wait would end after this moment (the end of the reporting time limit); null: none.</summary>
    public DateTimeOffset? Deadline { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// The two retry pipelines: <see cref="Read"/> for requests that may be repeated safely (GET, and
/// PATCH with the same body), <see cref="Create"/> for POSTs that create a comment or a check run.
/// </summary>
public sealed record GitHubPipelines(ResiliencePipeline Read, ResiliencePipeline Create)
{
    public static GitHubPipelines For(GitHubRetryOptions options, Action<int, Exception, TimeSpan>? onRetry = null) =>
        new(GitHubResilience.Create(options, idempotent: true, onRetry), GitHubResilience.Create(options, idempotent: false, onRetry));
}

/// <summary>
/// Retries what GitHub asks to be retried: secondary rate limits (403 or 429, with Retry-After or the
/// "secondary rate limit" message) after the wait it names; the primary rate limit (403 or 429 with
/// x-ratelimit-remaining: 0) until x-ratelimit-reset when that is within <see cref="GitHubRetryOptions.MaxWait"/>;
/// and transient 5xx/network failures with exponential back-off. No wait may end after the
/// reporting deadline. 401, 403 (permissions) and 404 are not retried.
/// A POST that creates something is retried only when it certainly did not happen: GitHub refused it
/// with a rate limit, or no connection was made. After a timeout, a 5xx or a dropped connection the
/// comment or check run may exist already, and a retry would make a second one.
/// </summary>
public static class GitHubResilience
{
    public static ResiliencePipeline Create(GitHubRetryOptions options, bool idempotent = true, Action<int, Exception, TimeSpan>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ResiliencePipelineBuilder { TimeProvider = options.Time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } exception
                    && ShouldRetry(exception, idempotent, options)
                    && FitsDeadline(WaitBefore(exception, args.AttemptNumber, options), options)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(WaitBefore(args.Outcome.Exception, args.AttemptNumber, options)),
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.AttemptNumber + 1, args.Outcome.Exception!, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public static bool IsRateLimit(Exception exception) => exception switch
    {
        SecondaryRateLimitExceededException or AbuseException or RateLimitExceededException => true,
        ApiException { StatusCode: (HttpStatusCode)429 } => true,
        ApiException { StatusCode: HttpStatusCode.Forbidden } api => RetryAfter(api) is not null || IsPrimaryLimit(api) || Mentions(api, "rate limit"),
        _ => false,
    };

    /// <summary>Whether to retry an idempotent request, without regard to the primary limit's reset (see the overload).</summary>
    public static bool ShouldRetry(Exception exception) => ShouldRetry(exception, idempotent: true, new GitHubRetryOptions());

    public static bool ShouldRetry(Exception exception, bool idempotent, GitHubRetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (exception is ApiException primary && IsPrimaryLimit(primary))
        {
            // Waiting only helps when the window resets soon enough.
            return UntilReset(primary, options.Time) is { } wait && wait <= options.MaxWait;
        }

        if (exception is RateLimitExceededException)
        {
            // The primary limit without its headers: nothing says when it lifts.
            return false;
        }

        if (IsRateLimit(exception))
        {
            return true;
        }

        if (!idempotent)
        {
            return exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
        }

        return exception switch
        {
            ApiException { StatusCode: HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => true,
            HttpRequestException => true,
            TaskCanceledException or TimeoutException => true,
            _ => false,
        };
    }

    internal static TimeSpan WaitBefore(Exception? exception, int attempt, GitHubRetryOptions options)
    {
        TimeSpan wait;
        if (exception is ApiException api && IsPrimaryLimit(api) && UntilReset(api, options.Time) is { } reset)
        {
            wait = reset;
        }
        else if (exception is ApiException limited && IsRateLimit(limited))
        {
            wait = RetryAfter(limited) ?? options.SecondaryLimitWait * (1 << Math.Min(attempt, 4));
        }
        else
        {
            wait = options.TransientWait * (1 << Math.Min(attempt, 6));
        }

        return wait > options.MaxWait ? options.MaxWait : wait;
    }

    /// <summary>The primary rate limit: no requests left in this window, and when the window resets.</summary>
    internal static bool IsPrimaryLimit(ApiException exception) =>
        exception.StatusCode is HttpStatusCode.Forbidden or (HttpStatusCode)429
        && RetryAfter(exception) is null
        && Header(exception, "X-RateLimit-Remaining") == "0";

    internal static TimeSpan? RetryAfter(ApiException exception)
    {
        if (exception is AbuseException { RetryAfterSeconds: { } seconds })
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var value = Header(exception, "Retry-After");
        return value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var retryAfter)
            ? TimeSpan.FromSeconds(retryAfter)
            : null;
    }

    private static bool FitsDeadline(TimeSpan wait, GitHubRetryOptions options) =>
        options.Deadline is not { } deadline || options.Time.GetUtcNow() + wait < deadline;

    private static TimeSpan? UntilReset(ApiException exception, TimeProvider time)
    {
        if (!long.TryParse(Header(exception, "X-RateLimit-Reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var reset))
        {
            return null;
        }

        var wait = DateTimeOffset.FromUnixTimeSeconds(reset) - time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait + TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1);
    }

    private static string? Header(ApiException exception, string name) =>
        exception.HttpResponse?.Headers?.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static bool Mentions(ApiException exception, string text) =>
        (exception.ApiError?.Message ?? exception.Message).Contains(text, StringComparison.OrdinalIgnoreCase);
}
