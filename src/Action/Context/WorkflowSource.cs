using Gadugi.BuildExec.Action.GitHub;
using Gadugi.BuildExec.Action.Resources;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Workflows;
using Octokit;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>The workflow the action runs, and the private copy of base-commit files it was read from (removed on dispose).</summary>
public sealed record WorkflowChoice(WorkflowDefinition Workflow, Diagnostic? Notice) : IDisposable
{
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
/// Reads the action's <c>workflow:</c> file. Where the pull request chooses its code (a fork, every
/// <c>pull_request_target</c> run) the file is read from the base commit through the contents API,
/// with the policy file it names and the seccomp profiles that names, never from the checkout: the
/// workflow picks each phase's policy, and a pull request must not pick its own sandbox. When the base
/// commit's file cannot be read, nothing runs (GBX5071): the pull request's copy is never the fallback.
/// Tasks, worktrees and gate paths still resolve against the workspace.
/// </summary>
public static class WorkflowSource
{
    public static async Task<WorkflowChoice> ChooseAsync(ActionInputs inputs, GitHubContext context, EventPayload payload, string workspace, PolicyChoice? policies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(payload);
        var file = PathGuard.InsideWorkspace(workspace, ActionInputs.WorkflowName, inputs.Workflow!);

        // A policy_file input was read as the base commit's for a fork: the workflow's phases use those policies too.
        Func<string, PolicySet>? inputPolicies = inputs.PolicyFile is not null && policies is not null ? _ => policies.Policies : null;
        if (!PolicySource.PullRequestChoosesItsCode(context, payload))
        {
            return new WorkflowChoice(WorkflowFileLoader.LoadFile(file, inputPolicies), null);
        }

        var repository = payload.PullRequest?.BaseRepository ?? context.Repository;
        var baseSha = payload.PullRequest?.BaseSha;
        var path = PolicySource.RepositoryPath(Path.GetRelativePath(workspace, file));
        if (repository?.Split('/') is not [var owner, var name] || baseSha is null)
        {
            throw Unreadable(inputs, repository, baseSha, "the event names no base repository and commit");
        }

        if (inputs.GitHubToken is null || path is null)
        {
            throw Unreadable(inputs, repository, baseSha, "there is no token to read it with");
        }

        var directory = Directory.CreateTempSubdirectory("gadugi-base-workflow-");
        try
        {
            var client = GitHubClientFactory.Create(context.ApiUrl, inputs.GitHubToken, PolicySource.RequestTimeout);
            string local;
            try
            {
                local = await PolicySource.FetchAsync(client, owner, name, path, baseSha, directory.FullName, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException or IOException or TimeoutException or TaskCanceledException)
            {
                throw Unreadable(inputs, repository, baseSha, ex is NotFoundException ? "it does not exist there" : ex.Message.Split('\n')[0]);
            }

            if (inputPolicies is null && PolicyFileNamedBy(local) is { } policyFile
                && PolicySource.RepositoryPath(Path.Combine(Path.GetDirectoryName(path) ?? string.Empty, policyFile)) is { } policyPath)
            {
                await FetchQuietlyAsync(client, owner, name, policyPath, baseSha, directory.FullName, cancellationToken).ConfigureAwait(false);
                foreach (var profile in PolicySource.SeccompProfilesNamedBy(Path.Combine(directory.FullName, policyPath)))
                {
                    if (PolicySource.RepositoryPath(Path.Combine(Path.GetDirectoryName(policyPath) ?? string.Empty, profile)) is { } profilePath)
                    {
                        await FetchQuietlyAsync(client, owner, name, profilePath, baseSha, directory.FullName, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            // Parsed as if at its place in the workspace (tasks and worktrees live there); its policy file is the downloaded one.
            var workflow = WorkflowFileLoader.Parse(
                await File.ReadAllTextAsync(local, cancellationToken).ConfigureAwait(false),
                file,
                inputPolicies ?? (policyFile => PolicyFileLoader.LoadFile(InDownloads(workspace, directory.FullName, policyFile))));
            return new WorkflowChoice(workflow, Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionWorkflowFromBase), inputs.Workflow!, repository, baseSha)) { Downloads = directory.FullName };
        }
        catch
        {
            directory.Delete(recursive: true);
            throw;
        }
    }

    private static GadugiException Unreadable(ActionInputs inputs, string? repository, string? baseSha, string problem) =>
        new(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionWorkflowBaseUnreadable), inputs.Workflow!, repository ?? "(unknown)", baseSha ?? "(unknown)", problem));

    /// <summary>A policy file the workflow names, mapped from the workspace into the downloads; a path outside the workspace maps nowhere (the loader then reports it).</summary>
    private static string InDownloads(string workspace, string downloads, string policyFile)
    {
        var relative = Path.GetRelativePath(workspace, policyFile);
        return PolicySource.RepositoryPath(relative) is { } inside && !relative.StartsWith("..", StringComparison.Ordinal)
            ? Path.Combine(downloads, inside)
            : Path.Combine(downloads, ".outside-the-repository", Path.GetFileName(policyFile));
    }

    /// <summary>A file the base commit may lack: then the loader reports the missing policy file, located in the workflow.</summary>
    private static async Task FetchQuietlyAsync(GitHubClient client, string owner, string name, string path, string reference, string directory, CancellationToken cancellationToken)
    {
        try
        {
            await PolicySource.FetchAsync(client, owner, name, path, reference, directory, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
        }
    }

    private static string? PolicyFileNamedBy(string workflowFile)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(workflowFile)));
            return stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("policy_file"), out var node)
                ? (node as YamlScalarNode)?.Value
                : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null; // The loader reports the file's syntax error.
        }
    }
}
