namespace Gadugi.BuildExec.Core.Execution;

public enum OutputStreamKind
{
    Stdout,
    Stderr,
}

/// <summary>Receives a command's output live, chunk by chunk, in arrival order.</summary>
public interface IOutputSink
{
    ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

public sealed class NullOutputSink : IOutputSink
{
    public static NullOutputSink Instance { get; } = new();

    public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Copies stdout and stderr to two streams, e.g. the console's.</summary>
public sealed class StreamOutputSink(Stream stdout, Stream stderr) : IOutputSink
{
    public async ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var target = stream == OutputStreamKind.Stdout ? stdout : stderr;
        await target.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await target.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
