using System.Diagnostics;
using System.Text;

namespace Gadugi.BuildExec.Action.Tests.Support;

/// <summary>The docker command line, as a workflow author (and the runner) would use it.</summary>
public static class DockerCli
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    public static async Task<Outcome> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = Task.Run(async () => stdout.Append(await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false)), cancellationToken);
        var readErr = Task.Run(async () => stderr.Append(await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false)), cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', startInfo.ArgumentList)} did not finish within {timeout}");
        }

        await Task.WhenAll(readOut, readErr).ConfigureAwait(false);
        return new Outcome(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

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
