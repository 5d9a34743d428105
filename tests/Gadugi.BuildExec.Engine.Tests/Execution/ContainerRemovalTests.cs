using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Core.Execution;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadugi.BuildExec.Engine.Tests.Execution;

/// <summary>Removing a sandbox removes its anonymous volumes too, so none is ever left dangling.</summary>
[TestClass]
public sealed class ContainerRemovalTests
{
    [TestMethod]
    public async Task Removing_a_container_removes_its_anonymous_volumes()
    {
        using var engine = await EngineConnection.ConnectAsync();
        var created = await engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "gadugi/shell:5.2",
            Cmd = ["true"],
            Volumes = new Dictionary<string, EmptyStruct> { ["/scratch"] = default },
            Labels = new Dictionary<string, string> { ["io.gadugi.test"] = nameof(ContainerRemovalTests) },
        });
        var volume = (await engine.Client.Containers.InspectContainerAsync(created.ID)).Mounts!.Single(m => m.Type == "volume").Name!;

        await ContainerLifecycle.RemoveAsync(engine.Client, created.ID, CancellationToken.None);

        var left = await VolumeExistsAsync(engine.Client, volume);
        if (left)
        {
            await engine.Client.Volumes.RemoveAsync(volume, force: true);
        }

        Assert.IsFalse(left, $"volume {volume} was left behind by the removal");
    }

    private static async Task<bool> VolumeExistsAsync(IDockerClient client, string name)
    {
        try
        {
            await client.Volumes.InspectAsync(name);
            return true;
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
