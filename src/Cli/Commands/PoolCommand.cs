using System.CommandLine;
using System.Globalization;
using Gadugi.BuildExec.Core.Execution.Pool;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>
/// gadugi-exec pool status|drain [--json]: the background service's warm single-use pool. The service
/// answers it (with its pool and the client's stdout); with no service running, nothing is prepared.
/// </summary>
internal static class PoolCommand
{
    public const string Name = Service.PoolRequest.Name;

    public static Command Create(SandboxPool? pool = null, TextWriter? output = null)
    {
        var statusJson = CliJson.CreateOption("the prepared sandboxes");
        var status = new Command("status", "Show the sandboxes the background service holds prepared: what each is for, its age and memory.") { statusJson };
        status.SetAction(parse =>
        {
            var writer = output ?? Console.Out;
            var sandboxes = pool?.Status() ?? [];
            if (parse.GetValue(statusJson))
            {
                writer.WriteLine(CliJson.Serialize(new
                {
                    Service = pool is not null,
                    Size = pool?.Size ?? 0,
                    IdleSeconds = pool?.Idle.TotalSeconds ?? 0,
                    Sandboxes = sandboxes.Select(sandbox => new
                    {
                        sandbox.ContainerId,
                        sandbox.ExecutionId,
                        sandbox.Key,
                        sandbox.Ready,
                        AgeSeconds = Math.Round(sandbox.Age.TotalSeconds, 1),
                        sandbox.MemoryBytes,
                    }),
                }));
            }
            else if (pool is null)
            {
                writer.WriteLine("No background service is running: no sandbox is prepared.");
            }
            else
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sandboxes.Count} of at most {pool.Size} prepared (each waits {pool.Idle.TotalSeconds:0.#} s for a run)."));
                foreach (var sandbox in sandboxes)
                {
                    var memory = sandbox.MemoryBytes is { } bytes ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:0.0} MiB") : "memory unknown";
                    var id = sandbox.ContainerId is { } container ? container[..Math.Min(12, container.Length)] : "(preparing)";
                    writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {id}  {sandbox.Age.TotalSeconds,6:0.0} s  {memory}  {sandbox.Key}"));
                }
            }

            writer.Flush();
            return 0;
        });

        var drainJson = CliJson.CreateOption("how many prepared sandboxes were removed");
        var drain = new Command("drain", "Remove every sandbox the background service holds prepared.") { drainJson };
        drain.SetAction(async (parse, _) =>
        {
            var writer = output ?? Console.Out;
            var removed = pool is null ? 0 : await pool.DrainAsync().ConfigureAwait(false);
            writer.WriteLine(parse.GetValue(drainJson)
                ? CliJson.Serialize(new { Service = pool is not null, Removed = removed })
                : string.Create(CultureInfo.InvariantCulture, $"Removed {removed} prepared sandbox(es)."));
            await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        });

        return new Command(Name, "Show or empty the background service's warm single-use pool of prepared sandboxes.") { status, drain };
    }
}
