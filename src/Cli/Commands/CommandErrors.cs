using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>Turns coded failures into a message on stderr and the exit code scripts can rely on.</summary>
internal static class CommandErrors
{
    /// <summary>A coded, user-actionable failure (same code as 'docker run' uses for its own errors).</summary>
    public const int Failed = 125;

    /// <summary>Interrupted (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action(cancellationToken).ConfigureAwait(false);
        }
        catch (GadugiException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return Cancelled;
        }
    }
}
