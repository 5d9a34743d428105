using System.Text;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Testing;

/// <summary>
/// How a scripted sandbox behaves: what its command prints and exits with, and when the engine's
/// "oom" and "die" events arrive, relative to the moment the command's stream ended (zero or less:
/// before it; null: never).
/// </summary>
public sealed record FakeScript
{
    /// <summary>The exit code the exec reports; null when its stream is cut without one.</summary>
    public long? ExitCode { get; init; }

    /// <summary>The engine refuses to start the command (the sandbox is gone, say).</summary>
    public bool ExecRefused { get; init; }

    public string Stdout { get; init; } = string.Empty;

    /// <summary>The engine reports no process for the command (its runtime failed before starting it; <see cref="Stdout"/> holds the runtime's words).</summary>
    public bool NoProcess { get; init; }

    public TimeSpan? OomAt { get; init; }

    public TimeSpan? DiedAt { get; init; }

    /// <summary>Exit code of the sandbox's own process in its "die" event.</summary>
    public int? DiedExitCode { get; init; }

    /// <summary>What usage reads report (pids counters decide whether room is made for /output).</summary>
    public UsageSnapshot Usage { get; init; } = UsageSnapshot.Unknown;
}

/// <summary>
/// An <see cref="ISandboxEngine"/> that plays a <see cref="FakeScript"/> without an engine or a clock:
/// its events keep their own time, which moves only when the run waits for an event, so an event
/// "500 ms late" arrives within a 2 s wait and misses a 250 ms one, deterministically. Every call the
/// run makes is recorded in <see cref="Calls"/>.
/// </summary>
public sealed class FakeSandboxEngine(FakeScript script) : ISandboxEngine
{
    private readonly List<string> _calls = [];
    private int _created;

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Sandboxes created and not removed.</summary>
    public int Alive { get; private set; }

    public bool Sandboxed => true;

    private void Record(string call)
    {
        lock (_calls)
        {
            _calls.Add(call);
        }
    }

    public Task<EngineInfo> DescribeAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new EngineInfo("fake://", "1.0", "1.41", "1.41", "2", "none", "none", "fake", [], ["runc", "runsc"]));

    public Task<IReadOnlyCollection<string>> RuntimesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyCollection<string>>(["runc", "runsc"]);

    public Task<EngineImage?> InspectImageAsync(string reference, CancellationToken cancellationToken) =>
        Task.FromResult<EngineImage?>(new EngineImage("sha256:" + new string('f', 64), []));

    public Task<string> CreateAsync(ContainerSpecInput spec, CancellationToken cancellationToken)
    {
        Record("create " + spec.Runtime);
        Alive++;
        return Task.FromResult("fake-" + Interlocked.Increment(ref _created));
    }

    public Task StartAsync(string sandboxId, SandboxPolicy policy, CancellationToken cancellationToken)
    {
        Record("start");
        return Task.CompletedTask;
    }

    public ISandboxEvents WatchEvents(string sandboxId, DateTimeOffset since) => new FakeEvents(script, Record);

    public Task<AppliedLimits> InspectLimitsAsync(string sandboxId, SandboxPolicy policy, string commandUser, CancellationToken cancellationToken) =>
        Task.FromResult(new AppliedLimits { MemoryBytes = policy.MemoryBytes, Runtime = "runc", Timeout = policy.Timeout, OutputLimitBytes = policy.OutputLimitBytes });

    public Task<ISandboxProcess> ExecAsync(string sandboxId, SandboxCommand command, CancellationToken cancellationToken)
    {
        Record("exec " + string.Join(' ', command.Argv));
        return script.ExecRefused
            ? Task.FromException<ISandboxProcess>(new SandboxEngineException("container is not running"))
            : Task.FromResult<ISandboxProcess>(new FakeProcess(script));
    }

    public Task<UsageSnapshot> ReadUsageAsync(string sandboxId, string user, CancellationToken cancellationToken)
    {
        Record("usage");
        return Task.FromResult(script.Usage);
    }

    public Task UpdatePidsLimitAsync(string sandboxId, long pidsLimit, CancellationToken cancellationToken)
    {
        Record("pids " + pidsLimit);
        return Task.CompletedTask;
    }

    public Task<string?> ArchiveOutputAsync(string sandboxId, string commandUser, string archiverUser, Stream destination, long maxBytes, CancellationToken cancellationToken)
    {
        Record("archive");
        return Task.FromResult<string?>(null);
    }

    public Task KillAsync(string sandboxId, CancellationToken cancellationToken)
    {
        Record("kill");
        return Task.CompletedTask;
    }

    public Task<bool> FreezeAsync(string sandboxId, CancellationToken cancellationToken)
    {
        Record("freeze");
        return Task.FromResult(true);
    }

    public Task RemoveAsync(string sandboxId, CancellationToken cancellationToken)
    {
        Record("remove");
        Alive--;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EngineResource>> ListSandboxesAsync(string label, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EngineResource>>([]);

    public Task<EngineNetwork> CreateNetworkAsync(NetworkSpec spec, CancellationToken cancellationToken) => throw new NotSupportedException("The fake engine has no networks.");

    public Task RemoveNetworkAsync(string networkId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<EngineResource>> ListNetworksAsync(string label, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EngineResource>>([]);

    public Task<EngineContainer?> FindContainerAsync(string containerId, CancellationToken cancellationToken) => Task.FromResult<EngineContainer?>(null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The scripted command: prints its output at once, then ends with the scripted exit code.</summary>
    private sealed class FakeProcess(FakeScript script) : ISandboxProcess
    {
        private byte[]? _pending = Encoding.UTF8.GetBytes(script.Stdout);
        private int _offset;

        public Task<(OutputStreamKind Stream, int Count)> ReadOutputAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (_pending is null || _offset >= _pending.Length)
            {
                return Task.FromResult((OutputStreamKind.Stdout, 0));
            }

            var count = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return Task.FromResult((OutputStreamKind.Stdout, count));
        }

        public Task WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => Task.CompletedTask;

        public void CloseInput()
        {
        }

        public Task<ExecExit> ExitAsync(CancellationToken cancellationToken) => Task.FromResult(new ExecExit(script.ExitCode, ProcessStarted: !script.NoProcess));

        public Task SignalAsync(int signal, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ResizeAsync(TerminalSize size, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => _pending = null;
    }

    /// <summary>The scripted events, on a clock of their own that starts when the command's stream ends.</summary>
    private sealed class FakeEvents : ISandboxEvents
    {
        private readonly FakeScript _script;
        private readonly Action<string> _record;
        private readonly TaskCompletionSource<int?> _died = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TimeSpan _now;

        public FakeEvents(FakeScript script, Action<string> record)
        {
            _script = script;
            _record = record;
            Advance(TimeSpan.Zero);
        }

        public bool OomSeen => _script.OomAt <= _now;

        public Task<int?> Died => _died.Task;

        public Task<bool> OomWithinAsync(TimeSpan grace)
        {
            _record($"look oom {grace.TotalMilliseconds:0}ms");
            return Task.FromResult(WaitFor(_script.OomAt, grace));
        }

        public Task<bool> DiedWithinAsync(TimeSpan grace)
        {
            _record($"look die {grace.TotalMilliseconds:0}ms");
            return Task.FromResult(WaitFor(_script.DiedAt, grace));
        }

        private bool WaitFor(TimeSpan? arrival, TimeSpan grace)
        {
            if (arrival <= _now + grace)
            {
                Advance(arrival.Value > _now ? arrival.Value : _now);
                return true;
            }

            Advance(_now + grace);
            return false;
        }

        private void Advance(TimeSpan now)
        {
            _now = now;
            if (_script.DiedAt <= _now)
            {
                _died.TrySetResult(_script.DiedExitCode);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
