using System.Reflection;
using Octokit;
using Octokit.Internal;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>
/// Builds the Octokit client for GITHUB_API_URL as given. GitHubClient's own Uri constructor
/// rewrites any non-github.com address to "&lt;host&gt;/api/v3/", which suits GitHub Enterprise Server
/// (whose GITHUB_API_URL already ends in /api/v3) but breaks GHE.com, whose API sits at the root of
/// api.&lt;tenant&gt;.ghe.com. A Connection keeps the base address exactly as given, with a trailing
/// slash so that Octokit's relative paths ("repos/o/r/…") append to it.
/// </summary>
public static class GitHubClientFactory
{
    public static readonly ProductHeaderValue Product = new(
        "gadugi-buildexec-action",
        typeof(GitHubClientFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0");

    public static Uri BaseAddress(string apiUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiUrl);
        return new Uri(apiUrl.Trim().TrimEnd('/') + "/", UriKind.Absolute);
    }

    public static GitHubClient Create(string apiUrl, string token, TimeSpan requestTimeout)
    {
        var connection = new Connection(Product, BaseAddress(apiUrl), new InMemoryCredentialStore(new Credentials(token)));
        connection.SetRequestTimeout(requestTimeout);
        return new GitHubClient(connection);
    }
}
