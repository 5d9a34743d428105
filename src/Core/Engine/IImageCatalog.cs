namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// The images an engine holds, by name, for a caller that chooses between images before it runs
/// anything (the MSBuild tasks' .NET SDK image fallback). Failures are <see cref="SandboxEngineException"/>s
/// in the engine's own words; an engine that does not answer is GBX1001.
/// </summary>
internal interface IImageCatalog
{
    /// <summary>Whether the engine has <paramref name="reference"/> (repository:tag).</summary>
    Task<bool> ExistsAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Every tag the engine has in <paramref name="repository"/> (without the repository part).</summary>
    Task<IReadOnlyList<string>> TagsAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Pulls <paramref name="reference"/> from its registry; throws with the engine's words when it cannot.</summary>
    Task PullAsync(string reference, CancellationToken cancellationToken);
}
