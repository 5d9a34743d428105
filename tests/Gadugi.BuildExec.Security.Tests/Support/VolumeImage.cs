using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>
/// The shell image's files with two declared volumes (one spelled untidily, as a Dockerfile may),
/// made once per test run and removed when the assembly ends.
/// </summary>
internal static class VolumeImage
{
    public static readonly string Reference = $"gadugi-test/volume:{Guid.NewGuid().ToString("N")[..12]}";

    public static readonly string[] Volumes = ["/scratch", "/var/cache//app/"];

    private static readonly Lazy<Task<string>> Made = new(MakeAsync);

    public static Task<string> EnsureAsync() => Made.Value;

    public static async Task RemoveAsync()
    {
        if (!Made.IsValueCreated)
        {
            return;
        }

        using var engine = await EngineConnection.ConnectAsync();
        try
        {
            await engine.Client.Images.DeleteImageAsync(Reference, new ImageDeleteParameters { Force = true });
        }
        catch (DockerImageNotFoundException)
        {
        }
    }

    private static async Task<string> MakeAsync()
    {
        var volumes = string.Join(", ", Volumes.Select(v => $"\"{v}\""));
        var script = $"""
            set -e
            c=$(docker create gadugi/shell:5.2 true)
            trap 'docker rm -f "$c" >/dev/null' EXIT
            docker export "$c" | docker import --change 'VOLUME [{volumes}]' - {Reference} >/dev/null
            """;
        var made = await ChildProcess.RunAsync("bash", ["-c", script]);
        Assert.AreEqual(0, made.ExitCode, made.ToString());
        return Reference;
    }
}
