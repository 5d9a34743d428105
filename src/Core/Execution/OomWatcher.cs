using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// Listens for the engine's "oom" and "die" events for one container. Events are requested from the
/// moment before the container was created, so one that fires before the subscription is still seen.
/// </summary>
/// <remarks>
/// "die" matters under gVisor: there the kernel's OOM killer ends the whole sandbox (its Sentry is
/// the process at the limit), and the engine may never close the exec stream of the command.
/// </remarks>
internal sealed class OomWatcher : IAsyncDisposable
{
    private readonly TaskCompletionSource _oom = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _died = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
                ["event"] = new Dictionary<string, bool> { ["oom"] = true, ["die"] = true },
            },
        };
        _listening = ListenAsync(docker, parameters);
    }

    private int _exitCode = -1;

    public bool Seen => _oom.Task.IsCompleted;

    /// <summary>
    /// True when the container's own process ended with <paramref name="exitCode"/>, waiting up to
    /// <paramref name="grace"/> for its "die" event.
    /// </summary>
    public async Task<bool> DiedWithAsync(int exitCode, TimeSpan grace)
    {
        var winner = await Task.WhenAny(_died.Task, Task.Delay(grace)).ConfigureAwait(false);
        return winner == _died.Task && Volatile.Read(ref _exitCode) == exitCode;
    }

    /// <summary>How the container ended, as its "die" event told it.</summary>
    public string DeathDescription => Volatile.Read(ref _exitCode) is >= 0 and var code
        ? $"the sandbox's init exited with {code}{(code is > 128 and < 160 ? $" (signal {code - 128})" : string.Empty)}"
        : "the sandbox ended";

    /// <summary>Completes when the container itself stopped (its keeper ended, or it was killed).</summary>
    public Task Died => _died.Task;

    /// <summary>True when the container stopped, waiting up to <paramref name="grace"/> for its "die" event.</summary>
    public async Task<bool> DiesWithinAsync(TimeSpan grace)
    {
        var winner = await Task.WhenAny(_died.Task, Task.Delay(grace)).ConfigureAwait(false);
        return winner == _died.Task;
    }

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
            await docker.System.MonitorEventsAsync(parameters, new InlineProgress<Message>(OnEvent), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException)
        {
            // Without events we fall back to the exit code and peak memory heuristic.
        }
    }

    private void OnEvent(Message message)
    {
        if (message.Action == "die")
        {
            if (message.Actor?.Attributes?.TryGetValue("exitCode", out var code) == true && int.TryParse(code, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                Volatile.Write(ref _exitCode, parsed);
            }

            _died.TrySetResult();
        }
        else
        {
            _oom.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _listening.ConfigureAwait(false);
        _stop.Dispose();
    }
}
