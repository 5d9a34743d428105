using Gadugi.BuildExec.Action.GitHub;
using Gadugi.BuildExec.Action.Resources;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Octokit;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>The policies a run may use, where they were read, and what the run should be told about that.</summary>
public sealed record PolicyChoice(PolicySet Policies, string PolicyName, IReadOnlyList<Diagnostic> Warnings) : IDisposable
{
    /// <summary>The private copy of the base commit's files (the seccomp profile is read at each run), removed on dispose.</summary>
    public string? Downloads { get; init; }

    public void Dispose()
    {
        if (Downloads is not null && Directory.Exists(Downloads))
        {
            Directory.Delete(Downloads, recursive: true);
        }
    }
}

/// <summary>
/// Decides whose policy file applies. A pull request from a fork (and every pull_request_target run,
/// which may check out the pull request's code) must not choose its own sandbox: there the policy file
/// is read from the base commit (pull_request.base.sha) through the contents API, never from the
/// checkout; when it cannot be read, the built-in policies apply, with a warning. Elsewhere the
/// workspace's file is the repository's own and is read from disk.
/// </summary>
public static class PolicySource
{
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static bool PullRequestChoosesItsCode(GitHubContext context, EventPayload payload)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(payload);
        return string.Equals(context.EventName, "pull_request_target", StringComparison.Ordinal)
            || payload.PullRequest?.IsFromFork(context.Repository) == true;
    }

    public static async Task<PolicyChoice> ChooseAsync(ActionInputs inputs, GitHubContext context, EventPayload payload, string workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        if (inputs.PolicyFile is null)
        {
            return new PolicyChoice(PolicySet.BuiltInOnly, inputs.Policy, []);
        }

        if (!PullRequestChoosesItsCode(context, payload))
        {
            return new PolicyChoice(PolicyFileLoader.LoadFile(PathGuard.InsideWorkspace(workspace, ActionInputs.PolicyFileName, inputs.PolicyFile)), inputs.Policy, []);
        }

        var repository = payload.PullRequest?.BaseRepository ?? context.Repository;
        var baseSha = payload.PullRequest?.BaseSha;
        var path = RepositoryPath(inputs.PolicyFile);
        string? problem = null;
        if (path is null)
        {
            problem = "the path leaves the repository";
        }
        else if (repository?.Split('/') is not [var owner, var name] || baseSha is null)
        {
            problem = "the event names no base repository and commit";
        }
        else if (inputs.GitHubToken is null)
        {
            problem = "there is no token to read it with";
        }
        else
        {
            var directory = Directory.CreateTempSubdirectory("gadugi-base-policy-");
            try
            {
                var client = GitHubClientFactory.Create(context.ApiUrl, inputs.GitHubToken, RequestTimeout);
                var local = await FetchAsync(client, owner, name, path, baseSha, directory.FullName, cancellationToken).ConfigureAwait(false);
                foreach (var profile in SeccompProfilesNamedBy(local))
                {
                    if (RepositoryPath(Path.Combine(Path.GetDirectoryName(path) ?? string.Empty, profile)) is { } profilePath)
                    {
                        await FetchAsync(client, owner, name, profilePath, baseSha, directory.FullName, cancellationToken).ConfigureAwait(false);
                    }
                }

                var policies = PolicyFileLoader.LoadFile(local);
                return new PolicyChoice(policies, inputs.Policy, [Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionPolicyFromBase), inputs.PolicyFile, repository, baseSha)]) { Downloads = directory.FullName };
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException or IOException or TimeoutException or TaskCanceledException or PolicyFileException or GadugiException)
            {
                directory.Delete(recursive: true);
                problem = ex is NotFoundException ? "it does not exist there" : ex.Message.Split('\n')[0];
            }
        }

        // Nothing of the pull request's own file is used: the built-in policy of that name, or the default.
        var fallback = PolicyDefaults.BuiltIn.ContainsKey(inputs.Policy) ? inputs.Policy : PolicyDefaults.DefaultPolicyName;
        return new PolicyChoice(PolicySet.BuiltInOnly, fallback, [Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionPolicyBaseUnreadable), inputs.PolicyFile, repository ?? "(unknown)", baseSha ?? "(unknown)", problem, fallback)]);
    }

    /// <summary>The input as a path inside the repository ('/'-separated, no '.' or '..'), or null when it leaves it.</summary>
    internal static string? RepositoryPath(string input)
    {
        var parts = new List<string>();
        foreach (var part in input.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    /// <summary>Downloads one file of the base commit into the private directory, at its repository path; returns where.</summary>
    internal static async Task<string> FetchAsync(GitHubClient client, string owner, string name, string path, string reference, string directory, CancellationToken cancellationToken)
    {
        var content = await client.Repository.Content.GetRawContentByRef(owner, name, path, reference).WaitAsync(RequestTimeout, cancellationToken).ConfigureAwait(false);
        var local = Path.Combine(directory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        await File.WriteAllBytesAsync(local, content, cancellationToken).ConfigureAwait(false);
        return local;
    }

    /// <summary>The seccomp: values of every policy in the file (relative to it), to fetch them from the same commit.</summary>
    internal static List<string> SeccompProfilesNamedBy(string policyFile)
    {
        var profiles = new List<string>();
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(policyFile)));
            if (stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("policies"), out var node) && node is YamlMappingNode policies)
            {
                profiles.AddRange(policies.Children.Values.OfType<YamlMappingNode>()
                    .Select(policy => policy.Children.TryGetValue(new YamlScalarNode("seccomp"), out var value) ? (value as YamlScalarNode)?.Value : null)
                    .OfType<string>());
            }
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // The loader reports the file's syntax error.
        }

        return profiles;
    }
}
