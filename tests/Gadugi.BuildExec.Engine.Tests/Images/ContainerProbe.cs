using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>What a command printed and returned inside a container.</summary>
internal sealed record ProbeResult(long ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs one command in a throwaway container hardened like the sandbox (read-only root, tmpfs
/// /tmp, no network, no capabilities, no new privileges) and removes it afterwards.
/// </summary>
internal static class ContainerProbe
{
    public const string TestLabel = "io.gadugi.test";

    public static async Task<ProbeResult> RunAsync(
        IDockerClient client,
        string image,
        string[] command,
        string? user = null,
        bool readOnlyRoot = true,
        string tmpfsOptions = "rw,nosuid,nodev,size=256m",
        string[]? environment = null)
    {
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Cmd = command,
            User = user ?? string.Empty, // empty: the image's own USER
            Env = environment ?? [],
            NetworkDisabled = true,
            Labels = new Dictionary<string, string> { [TestLabel] = "images" },
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                ReadonlyRootfs = readOnlyRoot,
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                Tmpfs = new Dictionary<string, string> { ["/tmp"] = tmpfsOptions },
                Memory = 2L * 1024 * 1024 * 1024,
                PidsLimit = 512,
            },
        });
        try
        {
            await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            var exit = await client.Containers.WaitContainerAsync(created.ID, timeout.Token);
            using var logs = await client.Containers.GetContainerLogsAsync(created.ID, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true });
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(CancellationToken.None);
            return new ProbeResult(exit.StatusCode, stdout, stderr);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
        }
    }
}
