using System.Globalization;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// Runs a recipe's smoke test in a throwaway container hardened the way the sandbox runs steps:
/// uid 10001, read-only root with a tmpfs /tmp, no network, no capabilities, no new privileges.
/// The container is removed afterwards whatever happens.
/// </summary>
public sealed class SmokeTester
{
    private readonly IDockerClient client;

    public SmokeTester(IDockerClient client) => this.client = client;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Runs the smoke test of <paramref name="recipe"/> in <paramref name="image"/>; throws GBX1114–GBX1116 when it fails.</summary>
    public async Task RunAsync(ImageRecipe recipe, string image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var test = recipe.SmokeTest;
        var shown = string.Join(' ', test.Command);
        var created = await client.Containers.CreateContainerAsync(
            new CreateContainerParameters
            {
                Name = $"gadugi-smoke-{recipe.Name}-{Guid.NewGuid().ToString("N")[..12]}",
                Image = image,
                Cmd = [.. test.Command],
                User = ImageConfigChanges.SandboxUser,
                NetworkDisabled = true,
                Labels = new Dictionary<string, string> { [ImageLabels.SmokeTest] = recipe.Name },
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    ReadonlyRootfs = true,
                    CapDrop = ["ALL"],
                    SecurityOpt = ["no-new-privileges"],
                    Tmpfs = new Dictionary<string, string> { ["/tmp"] = "rw,nosuid,nodev,size=512m" },
                    Memory = 2L * 1024 * 1024 * 1024,
                    PidsLimit = 512,
                },
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            long exitCode;
            try
            {
                await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), timeout.Token).ConfigureAwait(false);
                exitCode = (await client.Containers.WaitContainerAsync(created.ID, timeout.Token).ConfigureAwait(false)).StatusCode;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new GadugiException(Diagnostic.Create(
                    ImageMessages.ResourceManager, nameof(ImageMessages.SmokeTestTimedOut), recipe.Reference, shown, ((int)Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
            }

            var (stdout, stderr) = await ReadOutputAsync(created.ID, cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                throw new GadugiException(Diagnostic.Create(
                    ImageMessages.ResourceManager, nameof(ImageMessages.SmokeTestFailed), recipe.Reference, shown, exitCode, Shorten((stdout + stderr).Trim())));
            }

            var printed = stdout.Trim();
            if (test.ExpectedOutput is not null
                && !Regex.IsMatch(printed, test.ExpectedOutput, RegexOptions.Multiline, TimeSpan.FromSeconds(1)))
            {
                throw new GadugiException(Diagnostic.Create(
                    ImageMessages.ResourceManager, nameof(ImageMessages.SmokeTestUnexpectedOutput), recipe.Reference, shown, Shorten(printed), test.ExpectedOutput));
            }
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<(string Stdout, string Stderr)> ReadOutputAsync(string containerId, CancellationToken cancellationToken)
    {
        using var logs = await client.Containers.GetContainerLogsAsync(
            containerId,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true },
            cancellationToken).ConfigureAwait(false);
        return await logs.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + "…";
}
