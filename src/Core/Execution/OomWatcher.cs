using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// Listens for the engine's "oom" event for one container. Events are requested from the moment
/// before the container was created, so one that fires before the subscription is still seen.
/// </summary>
internal sealed class OomWatcher : IAsyncDisposable
{
    private readonly TaskCompletionSource _oom = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _listening;

    public OomWatcher(IDockerClient docker, string containerId, DateTimeOffset since)
    {
        var parameters = new ContainerEventsParameters
        {
            Since = since.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["container"] = new Dictionary<string, bool> { [containerId] = true },
                ["event"] = new Dictionary<string, bool> { ["oom"] = true },
            },
        };
        _listening = ListenAsync(docker, parameters);
    }

    public bool Seen => _oom.Task.IsCompleted;

    /// <summary>True when the event arrived, waiting up to <paramref name="grace"/> for a late one.</summary>
    public async Task<bool> WaitAsync(TimeSpan grace)
    {
        var winner = await Task.WhenAny(_oom.Task, Task.Delay(grace)).ConfigureAwait(false);
        return winner == _oom.Task;
    }

    private async Task ListenAsync(IDockerClient docker, ContainerEventsParameters parameters)
    {
        try
        {
            await docker.System.MonitorEventsAsync(parameters, new InlineProgress<Message>(_ => _oom.TrySetResult()), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException)
        {
            // Without events we fall back to the exit code and peak memory heuristic.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _listening.ConfigureAwait(false);
        _stop.Dispose();
    }
}
