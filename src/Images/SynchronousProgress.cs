namespace Gadugi.BuildExec.Images;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the reporting thread, so reports keep their order
/// (<see cref="Progress{T}"/> posts to the thread pool and may reorder them).
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
