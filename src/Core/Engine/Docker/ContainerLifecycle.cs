using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Polly.Timeout;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>Creates, starts and removes one sandbox container, turning engine refusals into coded errors.</summary>
internal static class ContainerLifecycle
{
    private static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(30);

    public static async Task<string> CreateAsync(IDockerClient docker, CreateContainerParameters spec, SandboxPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            var created = await docker.Containers.CreateContainerAsync(spec, cancellationToken).ConfigureAwait(false);
            return created.ID;
        }
        catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.Conflict)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ContainerCreateFailed), policy.Name, policy.Source, EngineMessage(ex)), ex);
        }
    }

    public static async Task StartAsync(IDockerClient docker, string containerId, SandboxPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (EngineMessage(ex).Contains("executable file not found", StringComparison.Ordinal))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.KeeperMissing), policy.Image, policy.Name, EngineMessage(ex)), ex);
        }
        catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.InternalServerError)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ContainerCreateFailed), policy.Name, policy.Source, EngineMessage(ex)), ex);
        }
    }

    /// <summary>
    /// Force-removes the container, whatever state it is in; "already gone" is success. An engine
    /// that is away (restarting) is waited for, up to <see cref="EngineAway.CleanupWait"/>, so the
    /// sandbox is removed once it is back. Throws when the engine fails, does not come back, or the
    /// removal does not finish within the cleanup limit.
    /// </summary>
    public static async Task RemoveAsync(IDockerClient docker, string containerId, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await EngineAway.Cleanup.ExecuteAsync(
                    async token => await docker.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, token).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DockerContainerNotFoundException)
            {
                return;
            }
            catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // AutoRemove is already removing it; wait until it is gone.
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(CleanupLimit);
            while (true)
            {
                try
                {
                    await docker.Containers.InspectContainerAsync(containerId, limit.Token).ConfigureAwait(false);
                    await Task.Delay(25, limit.Token).ConfigureAwait(false);
                }
                catch (DockerContainerNotFoundException)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SandboxEngineException($"the removal did not finish within {CleanupLimit.TotalSeconds:0} s", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new SandboxEngineException($"the engine was away for longer than {EngineAway.CleanupWait.TotalSeconds:0} s", ex);
        }
    }

    /// <summary>What went wrong talking to the engine, in the engine's words when it answered, without a trailing period.</summary>
    public static string Describe(Exception ex) =>
        (ex is DockerApiException api ? EngineMessage(api) : ex.Message).TrimEnd('.', ' ', '\n');

    /// <summary>The engine's own words from an error response.</summary>
    public static string EngineMessage(DockerApiException ex)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(ex.ResponseBody ?? string.Empty);
            return document.RootElement.GetProperty("message").GetString() ?? ex.Message;
        }
        catch (Exception parse) when (parse is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return string.IsNullOrWhiteSpace(ex.ResponseBody) ? ex.Message : ex.ResponseBody!.Trim();
        }
    }
}
