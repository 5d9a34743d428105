namespace Gadugi.BuildExec.Action.Tests.Support;

/// <summary>The docker command line, as a workflow author (and the runner) would use it.</summary>
public static class DockerCli
{
    public static Task<ChildProcessResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default) =>
        ChildProcess.RunAsync("docker", arguments, new ChildProcessOptions { Environment = environment, Timeout = timeout }, cancellationToken);

    public static async Task<string> CheckedAsync(params string[] arguments)
    {
        var outcome = await RunAsync(arguments, TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        return outcome.ExitCode == 0
            ? outcome.Stdout.Trim()
            : throw new InvalidOperationException($"docker {string.Join(' ', arguments)} exited {outcome.ExitCode}: {outcome.Output}");
    }

    public static async Task<bool> ImageExistsAsync(string image) =>
        (await RunAsync(["image", "inspect", image], TimeSpan.FromSeconds(30)).ConfigureAwait(false)).ExitCode == 0;
}
