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

    /// <summary>No single wait is longer, whatever Retry-After says.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(2);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// Retries what GitHub asks to be retried: secondary rate limits (403 or 429, with Retry-After or the
/// "secondary rate limit" message) after the wait it names, and transient 5xx/network failures with
/// exponential back-off. A primary rate limit, 401, 403 (permissions) and 404 are not retried.
/// </summary>
public static class GitHubResilience
{
    public static ResiliencePipeline Create(GitHubRetryOptions options, Action<int, Exception, TimeSpan>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ResiliencePipelineBuilder { TimeProvider = options.Time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ShouldRetry),
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
        SecondaryRateLimitExceededException or AbuseException => true,
        ApiException { StatusCode: (HttpStatusCode)429 } => true,
        ApiException { StatusCode: HttpStatusCode.Forbidden } api => RetryAfter(api) is not null || Mentions(api, "secondary rate limit"),
        _ => false,
    };

    public static bool ShouldRetry(Exception exception) => exception switch
    {
        RateLimitExceededException => false,
        _ when IsRateLimit(exception) => true,
        ApiException { StatusCode: HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => true,
        HttpRequestException => true,
        TaskCanceledException or TimeoutException => true,
        _ => false,
    };

    internal static TimeSpan WaitBefore(Exception? exception, int attempt, GitHubRetryOptions options)
    {
        TimeSpan wait;
        if (exception is ApiException api && IsRateLimit(api))
        {
            wait = RetryAfter(api) ?? UntilReset(api, options.Time) ?? options.SecondaryLimitWait * (1 << Math.Min(attempt, 4));
        }
        else
        {
            wait = options.TransientWait * (1 << Math.Min(attempt, 6));
        }

        return wait > options.MaxWait ? options.MaxWait : wait;
    }

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

    private static TimeSpan? UntilReset(ApiException exception, TimeProvider time)
    {
        if (Header(exception, "X-RateLimit-Remaining") != "0"
            || !long.TryParse(Header(exception, "X-RateLimit-Reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var reset))
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
