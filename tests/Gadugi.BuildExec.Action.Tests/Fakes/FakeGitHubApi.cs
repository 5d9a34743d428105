using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Action.Tests.Fakes;

/// <summary>One request as the fake API received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, string Body, int Status);

public sealed class FakeComment
{
    public required long Id { get; init; }

    public required int Issue { get; init; }

    public required string Body { get; set; }

    public required string Author { get; init; }

    public int Updates { get; set; }
}

public sealed class FakeCheckRun
{
    public required long Id { get; init; }

    public required string Name { get; init; }

    public required string HeadSha { get; init; }

    public string? Status { get; set; }

    public string? Conclusion { get; set; }

    public string? Title { get; set; }

    public string? Summary { get; set; }

    public List<JsonObject> Annotations { get; } = [];

    /// <summary>Annotations per request that carried any, in order.</summary>
    public List<int> AnnotationBatches { get; } = [];
}

/// <summary>
/// A local stand-in for the GitHub REST API on 127.0.0.1, with the real routes, status codes and
/// JSON shapes for issue comments (paginated with Link headers) and check runs, and the real
/// limits that matter here (50 annotations per request, 65,536 characters per comment, a token).
/// It records every request and can be told to answer the next matching requests with an error.
/// </summary>
public sealed class FakeGitHubApi : IAsyncDisposable
{
    public const int MaxAnnotationsPerRequest = 50;
    public const int MaxCommentLength = 65_536;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<Failure> _failures = new();
    private readonly ConcurrentQueue<(string Method, string PathSuffix, TimeSpan Delay)> _delays = new();
    private int _inFlight;
    private readonly Lock _lock = new();
    private readonly List<FakeComment> _comments = [];
    private readonly List<FakeCheckRun> _checkRuns = [];
    private long _nextId = 1000;

    private FakeGitHubApi(WebApplication app, string pathBase, string token, int maxPageSize, string? tokenUser)
    {
        _app = app;
        PathBase = pathBase;
        Token = token;
        MaxPageSize = maxPageSize;
        TokenUser = tokenUser;
    }

    /// <summary>The login behind a personal access token; null: the token is GITHUB_TOKEN (an installation token of github-actions[bot]).</summary>
    public string? TokenUser { get; }

    /// <summary>Who the token writes as: comments it creates carry this author, and only these comments may it edit.</summary>
    public string Identity => TokenUser ?? ActionsBot;

    public const string ActionsBot = "github-actions[bot]";

    public string PathBase { get; }

    public string Token { get; }

    public int MaxPageSize { get; }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>What GITHUB_API_URL would be: the server root, or e.g. /api/v3 for an Enterprise Server.</summary>
    public string ApiUrl => BaseUri.ToString().TrimEnd('/') + PathBase;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public IReadOnlyList<RecordedRequest> Writes => Requests.Where(request => request.Method is "POST" or "PATCH" or "PUT" or "DELETE").ToArray();

    public IReadOnlyList<FakeComment> Comments
    {
        get
        {
            lock (_lock)
            {
                return _comments.ToArray();
            }
        }
    }

    public IReadOnlyList<FakeCheckRun> CheckRuns
    {
        get
        {
            lock (_lock)
            {
                return _checkRuns.ToArray();
            }
        }
    }

    /// <summary>
    /// Starts the fake. <paramref name="maxPageSize"/> is 30 by default although GitHub lists up to
    /// 100 comments per page: the action asks for 100, and a smaller cap makes a few dozen seeded
    /// comments span several pages, so a test proves the Link headers are followed (an action that
    /// read only the first page would not find its comment and post a second one).
    /// </summary>
    public static async Task<FakeGitHubApi> StartAsync(string pathBase = "", string token = "ghs_fakeTokenForTests0123456789", int maxPageSize = 30, string? tokenUser = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var api = new FakeGitHubApi(app, pathBase, token, maxPageSize, tokenUser);
        api.Map();
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        api.BaseUri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return api;
    }

    /// <summary>Comments by someone else, before the action's.</summary>
    public void SeedComments(int issue, int count, string author = "octocat")
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                _comments.Add(new FakeComment { Id = ++_nextId, Issue = issue, Body = $"comment {i} by {author}", Author = author });
            }
        }
    }

    /// <summary>A comment by <paramref name="author"/> with this exact body (e.g. a planted marker); returns its id.</summary>
    public long AddComment(int issue, string body, string author)
    {
        lock (_lock)
        {
            var comment = new FakeComment { Id = ++_nextId, Issue = issue, Body = body, Author = author };
            _comments.Add(comment);
            return comment.Id;
        }
    }

    /// <summary>The next <paramref name="times"/> requests matching method and path suffix get this answer instead.</summary>
    public void FailNext(string method, string pathSuffix, int status, string message, IReadOnlyDictionary<string, string>? headers = null, int times = 1, bool echoAuthorization = false)
    {
        for (var i = 0; i < times; i++)
        {
            _failures.Enqueue(new Failure(method, pathSuffix, status, message, headers ?? new Dictionary<string, string>(), echoAuthorization));
        }
    }

    /// <summary>
    /// The next request matching method and path suffix is answered normally, but only after
    /// <paramref name="delay"/>: the client may have given up by then, while the write still happens
    /// (as on GitHub, where a timed-out POST may well have created the comment or check run).
    /// </summary>
    public void DelayNext(string method, string pathSuffix, TimeSpan delay) => _delays.Enqueue((method, pathSuffix, delay));

    /// <summary>Waits until no request is being handled (a delayed one included).</summary>
    public async Task IdleAsync()
    {
        while (Volatile.Read(ref _inFlight) > 0)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private sealed record Failure(string Method, string PathSuffix, int Status, string Message, IReadOnlyDictionary<string, string> Headers, bool EchoAuthorization);

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            context.Request.Body.Position = 0;
            var authorization = context.Request.Headers.Authorization.ToString();
            Interlocked.Increment(ref _inFlight);
            try
            {
                if (_delays.TryPeek(out var delay) && delay.Method == context.Request.Method
                    && (context.Request.Path.Value ?? string.Empty).EndsWith(delay.PathSuffix, StringComparison.Ordinal) && _delays.TryDequeue(out _))
                {
                    // Not the request's own token: the client hanging up must not stop the write.
                    await Task.Delay(delay.Delay, CancellationToken.None).ConfigureAwait(false);
                }

                if (!IsAuthorized(authorization))
                {
                    await Error(context, 401, "Bad credentials").ConfigureAwait(false);
                }
                else if (TakeFailure(context.Request.Method, context.Request.Path.Value ?? string.Empty) is { } failure)
                {
                    foreach (var (name, value) in failure.Headers)
                    {
                        context.Response.Headers[name] = value;
                    }

                    var message = failure.EchoAuthorization ? $"{failure.Message} (request had Authorization: {authorization})" : failure.Message;
                    await Error(context, failure.Status, message).ConfigureAwait(false);
                }
                else
                {
                    await next(context).ConfigureAwait(false);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                _requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, authorization, body, context.Response.StatusCode));
            }
        });

        var api = _app.MapGroup(PathBase);
        api.MapGet("/user", CurrentUser);
        api.MapGet("/rate_limit", () => Results.Json(new { resources = new { core = new { limit = 5000, remaining = 4999, reset = 0, used = 1 } } }));
        api.MapGet("/repos/{owner}/{repo}/issues/{number:int}/comments", ListComments);
        api.MapPost("/repos/{owner}/{repo}/issues/{number:int}/comments", CreateComment);
        api.MapPatch("/repos/{owner}/{repo}/issues/comments/{id:long}", UpdateComment);
        api.MapPost("/repos/{owner}/{repo}/check-runs", CreateCheckRun);
        api.MapPatch("/repos/{owner}/{repo}/check-runs/{id:long}", UpdateCheckRun);
        api.MapGet("/repos/{owner}/{repo}/contents/{**path}", GetContent);
        _app.MapFallback(context => Error(context, 404, "Not Found"));
    }

    private readonly ConcurrentDictionary<(string Repository, string Path, string Ref), byte[]> _files = new();

    /// <summary>A file of a repository at a commit, as GET /repos/{owner}/{repo}/contents/{path}?ref= serves it (raw or JSON with base64).</summary>
    public void AddFile(string repository, string path, string reference, string content) =>
        _files[(repository, path, reference)] = System.Text.Encoding.UTF8.GetBytes(content);

    private Task GetContent(HttpContext context, string owner, string repo, string path)
    {
        var reference = context.Request.Query["ref"].ToString();
        if (!_files.TryGetValue(($"{owner}/{repo}", path, reference), out var content))
        {
            return Error(context, 404, "Not Found");
        }

        if (context.Request.Headers.Accept.ToString().Contains("raw", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/vnd.github.v3.raw";
            return context.Response.Body.WriteAsync(content).AsTask();
        }

        return context.Response.WriteAsJsonAsync(new { type = "file", encoding = "base64", size = content.Length, name = Path.GetFileName(path), path, content = Convert.ToBase64String(content), sha = "0000000000000000000000000000000000000000" });
    }

    private bool IsAuthorized(string authorization)
    {
        var parts = authorization.Split(' ', 2);
        return parts.Length == 2
            && (parts[0].Equals("token", StringComparison.OrdinalIgnoreCase) || parts[0].Equals("bearer", StringComparison.OrdinalIgnoreCase))
            && parts[1] == Token;
    }

    private Failure? TakeFailure(string method, string path)
    {
        if (_failures.TryPeek(out var failure) && failure.Method == method && path.EndsWith(failure.PathSuffix, StringComparison.Ordinal))
        {
            return _failures.TryDequeue(out var taken) ? taken : null;
        }

        return null;
    }

    /// <summary>GET /user: the user behind a personal access token; an installation token (GITHUB_TOKEN) is refused with 403, as on GitHub.</summary>
    private IResult CurrentUser() => TokenUser is null
        ? Results.Json(new { message = "Resource not accessible by integration", documentation_url = "https://docs.github.com/rest/users/users#get-the-authenticated-user", status = "403" }, statusCode: 403)
        : Results.Json(UserJson(TokenUser));

    private static Dictionary<string, object?> UserJson(string login)
    {
        var bot = login.EndsWith("[bot]", StringComparison.Ordinal);
        var id = login == ActionsBot ? 41898282 : 1_000_000 + ((StringComparer.Ordinal.GetHashCode(login) & 0x7FFFFFFF) % 1_000_000);
        return new Dictionary<string, object?>
        {
            ["login"] = login,
            ["id"] = id,
            ["node_id"] = (bot ? "BOT_" : "U_") + id.ToString(CultureInfo.InvariantCulture),
            ["avatar_url"] = $"https://avatars.githubusercontent.com/u/{id}?v=4",
            ["url"] = $"https://api.github.com/users/{Uri.EscapeDataString(login)}",
            ["html_url"] = bot ? $"https://github.com/apps/{login[..^5]}" : $"https://github.com/{login}",
            ["type"] = bot ? "Bot" : "User",
            ["site_admin"] = false,
        };
    }

    private IResult ListComments(HttpContext context, string owner, string repo, int number)
    {
        // Capped at MaxPageSize (30 unless a test says otherwise), below GitHub's 100: see StartAsync.
        var perPage = int.TryParse(context.Request.Query["per_page"], CultureInfo.InvariantCulture, out var asked) ? Math.Clamp(asked, 1, MaxPageSize) : Math.Min(30, MaxPageSize);
        var page = int.TryParse(context.Request.Query["page"], CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        List<FakeComment> all;
        lock (_lock)
        {
            all = _comments.Where(comment => comment.Issue == number).OrderBy(comment => comment.Id).ToList();
        }

        var pages = Math.Max(1, (all.Count + perPage - 1) / perPage);
        var links = new List<string>();
        string Link(int target, string rel) =>
            $"<{BaseUri.ToString().TrimEnd('/')}{context.Request.PathBase}{context.Request.Path}?per_page={perPage}&page={target}>; rel=\"{rel}\"";
        if (page < pages)
        {
            links.Add(Link(page + 1, "next"));
            links.Add(Link(pages, "last"));
        }

        if (page > 1)
        {
            links.Add(Link(1, "first"));
            links.Add(Link(page - 1, "prev"));
        }

        if (links.Count > 0)
        {
            context.Response.Headers["Link"] = string.Join(", ", links);
        }

        return Results.Json(all.Skip((page - 1) * perPage).Take(perPage).Select(comment => CommentJson(owner, repo, comment)).ToArray());
    }

    private async Task<IResult> CreateComment(HttpContext context, string owner, string repo, int number)
    {
        var body = (await ReadJson(context).ConfigureAwait(false))?["body"]?.GetValue<string>();
        if (body is null || body.Length > MaxCommentLength)
        {
            return Validation("IssueComment", "body", body is null ? "missing_field" : "custom");
        }

        FakeComment comment;
        lock (_lock)
        {
            comment = new FakeComment { Id = ++_nextId, Issue = number, Body = body, Author = Identity };
            _comments.Add(comment);
        }

        return Results.Json(CommentJson(owner, repo, comment), statusCode: 201);
    }

    private async Task<IResult> UpdateComment(HttpContext context, string owner, string repo, long id)
    {
        var body = (await ReadJson(context).ConfigureAwait(false))?["body"]?.GetValue<string>();
        FakeComment? comment;
        lock (_lock)
        {
            comment = _comments.FirstOrDefault(candidate => candidate.Id == id);
        }

        if (comment is null)
        {
            return Results.Json(new { message = "Not Found" }, statusCode: 404);
        }

        if (!string.Equals(comment.Author, Identity, StringComparison.OrdinalIgnoreCase))
        {
            // What GitHub answers a token that may write to the repository but edits another author's comment.
            return Results.Json(new { message = "Resource not accessible by integration", documentation_url = "https://docs.github.com/rest/issues/comments#update-an-issue-comment", status = "403" }, statusCode: 403);
        }

        if (body is null || body.Length > MaxCommentLength)
        {
            return Validation("IssueComment", "body", "custom");
        }

        comment.Body = body;
        comment.Updates++;
        return Results.Json(CommentJson(owner, repo, comment));
    }

    private async Task<IResult> CreateCheckRun(HttpContext context, string owner, string repo)
    {
        var json = await ReadJson(context).ConfigureAwait(false);
        var name = json?["name"]?.GetValue<string>();
        var sha = json?["head_sha"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(sha))
        {
            return Validation("CheckRun", string.IsNullOrEmpty(name) ? "name" : "head_sha", "missing_field");
        }

        var status = json!["status"]?.GetValue<string>() ?? "queued";
        var conclusion = json["conclusion"]?.GetValue<string>();
        if (status == "completed" && conclusion is null)
        {
            return Validation("CheckRun", "conclusion", "missing_field");
        }

        var run = new FakeCheckRun { Id = Interlocked.Increment(ref _nextId), Name = name, HeadSha = sha, Status = status, Conclusion = conclusion };
        if (ApplyOutput(run, json["output"] as JsonObject) is { } invalid)
        {
            return invalid;
        }

        lock (_lock)
        {
            _checkRuns.Add(run);
        }

        return Results.Json(CheckRunJson(owner, repo, run), statusCode: 201);
    }

    private async Task<IResult> UpdateCheckRun(HttpContext context, string owner, string repo, long id)
    {
        var json = await ReadJson(context).ConfigureAwait(false);
        FakeCheckRun? run;
        lock (_lock)
        {
            run = _checkRuns.FirstOrDefault(candidate => candidate.Id == id);
        }

        if (run is null)
        {
            return Results.Json(new { message = "Not Found" }, statusCode: 404);
        }

        if (json?["status"]?.GetValue<string>() is { } status)
        {
            run.Status = status;
        }

        if (json?["conclusion"]?.GetValue<string>() is { } conclusion)
        {
            run.Conclusion = conclusion;
        }

        return ApplyOutput(run, json?["output"] as JsonObject) ?? Results.Json(CheckRunJson(owner, repo, run));
    }

    private static IResult? ApplyOutput(FakeCheckRun run, JsonObject? output)
    {
        if (output is null)
        {
            return null;
        }

        if (output["title"] is null || output["summary"] is null)
        {
            return Validation("CheckRun", "output", "missing_field");
        }

        if (output["annotations"] is JsonArray annotations && annotations.Count > 0)
        {
            if (annotations.Count > MaxAnnotationsPerRequest)
            {
                return Results.Json(new { message = "Invalid request.\n\nOnly 50 annotations are allowed per request.", documentation_url = "https://docs.github.com/rest/checks/runs#update-a-check-run" }, statusCode: 422);
            }

            foreach (var annotation in annotations.OfType<JsonObject>())
            {
                if (annotation["path"] is null || annotation["start_line"] is null || annotation["end_line"] is null || annotation["annotation_level"] is null || annotation["message"] is null)
                {
                    return Validation("CheckRun", "annotations", "missing_field");
                }

                run.Annotations.Add((JsonObject)annotation.DeepClone());
            }

            run.AnnotationBatches.Add(annotations.Count);
        }

        run.Title = output["title"]!.GetValue<string>();
        run.Summary = output["summary"]!.GetValue<string>();
        return null;
    }

    private static async Task<JsonObject?> ReadJson(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult Validation(string resource, string field, string code) =>
        Results.Json(new { message = "Validation Failed", errors = new[] { new { resource, field, code } }, documentation_url = "https://docs.github.com/rest" }, statusCode: 422);

    private static Task Error(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { message, documentation_url = "https://docs.github.com/rest" }), context.RequestAborted);
    }

    private Dictionary<string, object?> CommentJson(string owner, string repo, FakeComment comment) => new Dictionary<string, object?>
    {
        ["id"] = comment.Id,
        ["node_id"] = "IC_kwDO" + comment.Id.ToString(CultureInfo.InvariantCulture),
        ["url"] = $"{ApiUrl}/repos/{owner}/{repo}/issues/comments/{comment.Id}",
        ["html_url"] = $"https://github.example/{owner}/{repo}/pull/{comment.Issue}#issuecomment-{comment.Id}",
        ["issue_url"] = $"{ApiUrl}/repos/{owner}/{repo}/issues/{comment.Issue}",
        ["body"] = comment.Body,
        ["user"] = UserJson(comment.Author),
        ["created_at"] = "2025-01-01T00:00:00Z",
        ["updated_at"] = "2025-01-01T00:00:00Z",
        ["author_association"] = "NONE",
    };

    private Dictionary<string, object?> CheckRunJson(string owner, string repo, FakeCheckRun run) => new Dictionary<string, object?>
    {
        ["id"] = run.Id,
        ["node_id"] = "CR_kwDO" + run.Id.ToString(CultureInfo.InvariantCulture),
        ["head_sha"] = run.HeadSha,
        ["external_id"] = string.Empty,
        ["url"] = $"{ApiUrl}/repos/{owner}/{repo}/check-runs/{run.Id}",
        ["html_url"] = $"https://github.example/{owner}/{repo}/runs/{run.Id}",
        ["details_url"] = null,
        ["status"] = run.Status,
        ["conclusion"] = run.Conclusion,
        ["started_at"] = "2025-01-01T00:00:00Z",
        ["completed_at"] = run.Status == "completed" ? "2025-01-01T00:00:01Z" : null,
        ["output"] = new Dictionary<string, object?>
        {
            ["title"] = run.Title,
            ["summary"] = run.Summary,
            ["text"] = null,
            ["annotations_count"] = run.Annotations.Count,
            ["annotations_url"] = $"{ApiUrl}/repos/{owner}/{repo}/check-runs/{run.Id}/annotations",
        },
        ["name"] = run.Name,
        ["check_suite"] = new Dictionary<string, object?> { ["id"] = 5 },
        ["app"] = new Dictionary<string, object?> { ["id"] = 15368, ["slug"] = "github-actions", ["name"] = "GitHub Actions" },
        ["pull_requests"] = Array.Empty<object>(),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
