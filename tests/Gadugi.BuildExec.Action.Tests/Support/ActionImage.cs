using System.Diagnostics;

namespace Gadugi.BuildExec.Action.Tests.Support;

/// <summary>
/// The action's image, gadugi/action:dev (or $GADUGI_ACTION_IMAGE, so that several checkouts sharing
/// one engine do not overwrite each other's image), as eng/build-action-image.sh builds it from the root
/// Dockerfile (the set-up runs that script). Once per test run the script runs again: with the
/// engine's build cache that takes a second when nothing changed, and it keeps the tests from
/// exercising an image older than the sources. GADUGI_ACTION_IMAGE_REBUILD=0 only builds it when
/// absent. The sandbox image the steps use must exist already.
/// </summary>
public static class ActionImage
{
    public static readonly string Tag =
        Environment.GetEnvironmentVariable("GADUGI_ACTION_IMAGE") is { Length: > 0 } configured ? configured : "gadugi/action:dev";
    public const string SandboxImage = "gadugi/shell:5.2";

    private static readonly Lazy<Task> Ready = new(EnsureCoreAsync);

    public static Task EnsureAsync() => Ready.Value;

    private static async Task EnsureCoreAsync()
    {
        if (!await DockerCli.ImageExistsAsync(SandboxImage).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The sandbox image {SandboxImage} is missing: run the set-up (or 'dotnet run --project src/Cli -- images build shell') first.");
        }

        var rebuild = Environment.GetEnvironmentVariable("GADUGI_ACTION_IMAGE_REBUILD") != "0";
        if (!rebuild && await DockerCli.ImageExistsAsync(Tag).ConfigureAwait(false))
        {
            return;
        }

        var startInfo = new ProcessStartInfo("bash", [RepoFiles.Path("eng/build-action-image.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoFiles.Root,
        };
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/build-action-image.sh exited {process.ExitCode}:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
        }
    }
}
