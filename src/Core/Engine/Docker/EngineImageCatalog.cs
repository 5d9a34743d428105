using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary><see cref="IImageCatalog"/> on a Docker-compatible engine.</summary>
internal sealed class EngineImageCatalog : IImageCatalog, IDisposable
{
    private readonly EngineConnection _connection;

    private EngineImageCatalog(EngineConnection connection) => _connection = connection;

    /// <summary>Connects as the executor does (GBX1001 when nothing answers).</summary>
    public static async Task<EngineImageCatalog> ConnectAsync(Uri? endpoint, CancellationToken cancellationToken) =>
        new(await EngineConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false));

    public async Task<bool> ExistsAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.Client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
        catch (DockerApiException ex)
        {
            throw new SandboxEngineException(EngineWords(ex), ex);
        }
    }

    public async Task<IReadOnlyList<string>> TagsAsync(string repository, CancellationToken cancellationToken)
    {
        IList<ImagesListResponse> images;
        try
        {
            images = await _connection.Client.Images.ListImagesAsync(
                new ImagesListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [repository] = true } },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new SandboxEngineException(EngineWords(ex), ex);
        }

        var prefix = repository + ":";
        return [.. images
            .SelectMany(image => image.RepoTags ?? [])
            .Where(tag => tag.StartsWith(prefix, StringComparison.Ordinal))
            .Select(tag => tag[prefix.Length..])
            .Distinct(StringComparer.Ordinal)];
    }

    public async Task PullAsync(string reference, CancellationToken cancellationToken)
    {
        var (name, tag) = Split(reference);
        var errors = new List<string>();
        try
        {
            // The engine reports most pull failures in the progress stream, not as an HTTP error.
            await _connection.Client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = name, Tag = tag },
                null,
                new SynchronousProgress(message =>
                {
                    if (message.Error?.Message is { Length: > 0 } error)
                    {
                        errors.Add(error);
                    }
                }),
                cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new SandboxEngineException(EngineWords(ex), ex);
        }

        if (errors.Count > 0)
        {
            throw new SandboxEngineException(string.Join("; ", errors.Distinct(StringComparer.Ordinal)));
        }

        if (!await ExistsAsync(reference, cancellationToken).ConfigureAwait(false))
        {
            throw new SandboxEngineException($"the engine reported no error, but has no '{reference}' after the pull");
        }
    }

    /// <summary>repository[:tag] → (repository, tag); a colon in a registry's host:port is not a tag.</summary>
    internal static (string Name, string Tag) Split(string reference)
    {
        var lastColon = reference.LastIndexOf(':');
        return lastColon > reference.LastIndexOf('/') ? (reference[..lastColon], reference[(lastColon + 1)..]) : (reference, "latest");
    }

    private static string EngineWords(DockerApiException ex) =>
        string.IsNullOrWhiteSpace(ex.ResponseBody) ? ex.Message : ex.ResponseBody.Trim();

    public void Dispose() => _connection.Dispose();

    /// <summary>Progress reported on the caller's thread (Progress&lt;T&gt; would post to the thread pool, after the call returned).</summary>
    private sealed class SynchronousProgress(Action<JSONMessage> report) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => report(value);
    }
}
