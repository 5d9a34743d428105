using System.Globalization;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Engine.Tests.Support;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Execution;

[TestClass]
public sealed class StaleContainerTests
{
    [TestMethod]
    public async Task Leftovers_of_a_dead_owner_are_removed_when_an_executor_starts()
    {
        using var engine = await EngineConnection.ConnectAsync();
        var deadOwner = OwnerIdentity.Current with { Pid = 999_999, StartTicks = 1 };
        var created = await engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "gadugi/shell:5.2",
            Entrypoint = ["sleep"],
            Cmd = ["600"],
            Labels = new Dictionary<string, string>
            {
                [ContainerLabels.Managed] = "true",
                [ContainerLabels.Owner] = deadOwner.ToString(),
                [ContainerLabels.Execution] = "leftover-test",
                [ContainerLabels.Deadline] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            },
            HostConfig = new HostConfig { NetworkMode = "none", ReadonlyRootfs = true, CapDrop = ["ALL"] },
        });
        await engine.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());

        await using (var sandbox = new Sandbox())
        {
            Assert.AreEqual(0, (await sandbox.RunAsync(Sandbox.Shell, "true")).ExitCode);
        }

        await SandboxHarness.AssertNothingLeftAsync("leftover-test");
    }
}
