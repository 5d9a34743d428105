namespace Gadugi.BuildExec.Core.Requests;

/// <summary>
/// The one way a caller makes its <see cref="ExecutorOptions"/>: always with the machine-wide slots, so
/// the CLI, every MSBuild node of a <c>dotnet build -m</c> and the Action together never run more
/// sandboxes than the machine's cap (<c>$GADUGI_MAX_CONCURRENCY</c>, else 10).
/// </summary>
public static class ExecutorOptionsBuilder
{
    public const string MaxConcurrencyVariable = "GADUGI_MAX_CONCURRENCY";

    public const int DefaultMaxConcurrency = 10;

    /// <summary>The machine's cap: <c>$GADUGI_MAX_CONCURRENCY</c> when it is a positive number, else 10.</summary>
    public static int MachineConcurrency() =>
        int.TryParse(Environment.GetEnvironmentVariable(MaxConcurrencyVariable), out var n) && n > 0 ? n : DefaultMaxConcurrency;

    /// <summary>
    /// The machine-wide slots of sandboxed hooks (<c>gadugi-exec hook</c>): their own set beside the
    /// other runs', so a tool call's hook never waits behind long workflow phases.
    /// </summary>
    public static string HookSlotsDirectory() => MachineSlots.DefaultDirectory() + "-hooks";

    /// <param name="auditLog">Audit log path; null means <see cref="AuditLogLocation.Default"/>.</param>
    /// <param name="endpoint">Engine endpoint; null means the docker CLI's (DOCKER_HOST, the docker context, else the local socket).</param>
    /// <param name="maxConcurrency">Sandboxes at once on this machine; null means <see cref="MachineConcurrency"/>.</param>
    /// <param name="pathMapper">Local paths to the engine host's (the Action); null means the same paths.</param>
    /// <param name="time">The clock; null means the system's.</param>
    public static ExecutorOptions Build(string? auditLog = null, Uri? endpoint = null, int? maxConcurrency = null, IEnginePathMapper? pathMapper = null, TimeProvider? time = null) => new()
    {
        AuditLogPath = auditLog ?? AuditLogLocation.Default(),
        Endpoint = endpoint,
        MaxConcurrency = Math.Max(1, maxConcurrency ?? MachineConcurrency()),
        MachineSlotsDirectory = MachineSlots.DefaultDirectory(),
        PathMapper = pathMapper ?? IdentityPathMapper.Instance,
        Time = time ?? TimeProvider.System,
    };
}
