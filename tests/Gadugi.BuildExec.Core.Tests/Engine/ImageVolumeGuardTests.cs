using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Engine;

[TestClass]
public sealed class ImageVolumeGuardTests
{
    private static readonly SandboxPolicy Policy = PolicyDefaults.BuiltIn["shell"] with { Image = "example/with-volumes:1" };

    private static CreateContainerParameters Spec(params string[] tmpfs) => new()
    {
        HostConfig = new HostConfig
        {
            Tmpfs = tmpfs.Append("/output").ToDictionary(path => path, _ => "rw"),
            Mounts = [new Mount { Type = "bind", Source = "/src", Target = "/workspace" }],
        },
    };

    [TestMethod]
    [DataRow("/scratch")]
    [DataRow("/var/cache//app/")]
    [DataRow("/workspace/sub")]
    [DataRow("/tmp/../etc")]
    public void A_volume_no_mount_of_the_sandbox_covers_is_refused(string volume)
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => ImageVolumeGuard.CheckDeclared(["/output", volume], Spec("/tmp"), Policy));

        Assert.AreEqual("GBX3103", error.Code);
        StringAssert.Contains(error.Message, "'example/with-volumes:1'");
        StringAssert.Contains(error.Message, volume);
        Assert.IsFalse(error.Message.Contains("/output,", StringComparison.Ordinal), "/output is the sandbox's own tmpfs: " + error.Message);
    }

    [TestMethod]
    public void Volumes_on_the_sandboxs_own_mounts_are_covered_as_the_engine_compares_them()
    {
        ImageVolumeGuard.CheckDeclared(["/output/", "/workspace", "//scratch", "/var/cache/./app/", "/tmp"], Spec("/tmp", "/scratch", "/var/cache/app"), Policy);
    }

    [TestMethod]
    public void A_created_container_with_a_volume_mount_is_refused()
    {
        var container = new ContainerInspectResponse { Mounts = [new MountPoint { Type = "bind", Destination = "/workspace" }, new MountPoint { Type = "volume", Destination = "/data", Name = "abc" }] };

        var error = Assert.ThrowsExactly<GadugiException>(() => ImageVolumeGuard.CheckCreated(container, Policy));

        Assert.AreEqual("GBX3103", error.Code);
        StringAssert.Contains(error.Message, "/data");
    }
}
