using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.HostPaths;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class HostPathMappingTests
{
    private const string Id = "771cea1d8445968decacd34ba82ea25b4aecf3210edc2482ea16d434598bb03d";

    private static readonly string MountInfo = $"""
        22 27 0:21 / /proc rw,relatime - proc proc rw
        117 98 254:0 /var/lib/docker/containers/{Id}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw
        118 98 254:0 /var/lib/docker/containers/{Id}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw
        120 98 254:0 /home/runner/work/_temp/_github_home /github/home rw,relatime - ext4 /dev/vda rw
        """;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void The_id_comes_from_the_engine_managed_files_in_mountinfo_first()
    {
        var found = OwnContainerLocator.Find(new ContainerProbe { MountInfo = MountInfo, Cgroup = "0::/", Hostname = "vm" });

        Assert.AreEqual(Id, found!.Id);
        Assert.IsTrue(found.Certain);
        Assert.Contains("mountinfo", found.Source);
    }

    [TestMethod]
    public void A_mount_whose_root_merely_contains_a_containers_path_elsewhere_is_ignored()
    {
        var other = $"130 98 254:0 /var/lib/docker/containers/{Id}/hostname /data/copy rw - ext4 /dev/vda rw";

        Assert.IsNull(OwnContainerLocator.Find(new ContainerProbe { MountInfo = other, Hostname = "vm" }));
    }

    [TestMethod]
    [DataRow("9:name=systemd:/docker/" + Id + "\n0::/")]
    [DataRow("0::/system.slice/docker-" + Id + ".scope")]
    public void Without_mountinfo_the_cgroup_path_names_the_container(string cgroup)
    {
        Assert.AreEqual(Id, OwnContainerLocator.Find(new ContainerProbe { Cgroup = cgroup })!.Id);
    }

    [TestMethod]
    public void A_hostname_that_looks_like_a_short_id_is_only_a_guess()
    {
        var found = OwnContainerLocator.Find(new ContainerProbe { Cgroup = "0::/", Hostname = Id[..12] });

        Assert.AreEqual(Id[..12], found!.Id);
        Assert.IsFalse(found.Certain);
        Assert.IsNull(OwnContainerLocator.Find(new ContainerProbe { Hostname = "runner-vm-1" }));
    }

    [TestMethod]
    public void The_longest_mount_that_contains_the_path_wins()
    {
        var mapper = new ContainerMountMapper(Id, [
            new ContainerMount("/github/workspace", "/home/runner/work/repo/repo", "bind"),
            new ContainerMount("/github", "/should/not/win", "bind"),
            new ContainerMount("/github/workspace/cache", "/var/cache/shared", "bind"),
            new ContainerMount("/var/run/docker.sock", "/var/run/docker.sock", "bind"),
        ], "/github/workspace");

        Assert.AreEqual("/home/runner/work/repo/repo", mapper.ToEnginePath("/github/workspace"));
        Assert.AreEqual("/home/runner/work/repo/repo/src/app", mapper.ToEnginePath("/github/workspace/src/app/"));
        Assert.AreEqual("/var/cache/shared/nuget", mapper.ToEnginePath("/github/workspace/cache/nuget"));
        Assert.AreEqual("/home/runner/work/repo/repo/cachex", mapper.ToEnginePath("/github/workspace/cachex"), "a prefix must end at a path separator");
        Assert.AreEqual("/should/not/win/home", mapper.ToEnginePath("/github/home"));
    }

    [TestMethod]
    public void A_path_under_no_mount_is_GBX5002_naming_the_mounts()
    {
        var mapper = new ContainerMountMapper(Id, [new ContainerMount("/github/workspace", "/srv/ws", "bind")], "/github/workspace");

        var error = Assert.ThrowsExactly<GadugiException>(() => mapper.ToEnginePath("/tmp/elsewhere"));

        Assert.AreEqual("GBX5002", error.Code);
        Assert.Contains("'/tmp/elsewhere'", error.Message);
        Assert.Contains("771cea1d8445", error.Message);
        Assert.Contains("/github/workspace", error.Message);
    }

    [TestMethod]
    public async Task Outside_a_container_paths_are_the_host_paths()
    {
        await using var engine = await SandboxEngines.ConnectAsync(cancellationToken: TestContext.CancellationToken);

        var mapper = await HostPathMapping.CreateAsync(engine, new ContainerProbe { MountInfo = "22 27 0:21 / /proc rw - proc proc rw", Cgroup = "0::/", Hostname = "vm", DockerEnvFile = true }, "/tmp/ws", TestContext.CancellationToken);

        Assert.AreSame(IdentityPathMapper.Instance, mapper);
    }

    [TestMethod]
    public async Task In_the_runner_layout_an_unknown_container_is_GBX5001()
    {
        await using var engine = await SandboxEngines.ConnectAsync(cancellationToken: TestContext.CancellationToken);

        var none = await Assert.ThrowsExactlyAsync<GadugiException>(() => HostPathMapping.CreateAsync(engine, new ContainerProbe { Hostname = "vm" }, "/github/workspace", TestContext.CancellationToken));
        var unknown = await Assert.ThrowsExactlyAsync<GadugiException>(() => HostPathMapping.CreateAsync(engine, new ContainerProbe { MountInfo = MountInfo }, "/github/workspace", TestContext.CancellationToken));

        Assert.AreEqual("GBX5001", none.Code);
        Assert.Contains("neither /proc/self/mountinfo nor /proc/self/cgroup names a container id", none.Message);
        Assert.AreEqual("GBX5001", unknown.Code);
        Assert.Contains("the socket leads to another engine", unknown.Message);
    }

    [TestMethod]
    public async Task A_real_container_is_found_from_its_own_mountinfo_and_its_mounts_map_back_to_the_host()
    {
        using var host = new TempDirectory();
        var workspace = host.CreateDirectory("checkout");
        var name = "gadugi-action-test-" + Guid.NewGuid().ToString("N")[..8];
        await DockerCli.CheckedAsync("run", "-d", "--rm", "--name", name, "--label", "io.gadugi.test=action",
            "--network", "none", "-v", workspace + ":/github/workspace", "gadugi/shell:5.2", "sleep", "120");
        try
        {
            var probe = new ContainerProbe
            {
                MountInfo = await DockerCli.CheckedAsync("exec", name, "cat", "/proc/self/mountinfo"),
                Cgroup = await DockerCli.CheckedAsync("exec", name, "cat", "/proc/self/cgroup"),
                Hostname = await DockerCli.CheckedAsync("exec", name, "hostname"),
            };
            await using var engine = await SandboxEngines.ConnectAsync(cancellationToken: TestContext.CancellationToken);

            var mapper = await HostPathMapping.CreateAsync(engine, probe, "/github/workspace", TestContext.CancellationToken);

            Assert.IsInstanceOfType<ContainerMountMapper>(mapper);
            Assert.AreEqual(workspace + "/src", mapper.ToEnginePath("/github/workspace/src"));
        }
        finally
        {
            await DockerCli.RunAsync(["rm", "-f", name], TimeSpan.FromSeconds(30));
        }
    }

    [TestMethod]
    public void Input_paths_must_stay_in_the_workspace_even_through_symbolic_links()
    {
        using var directory = new TempDirectory();
        var workspace = directory.CreateDirectory("ws");
        directory.CreateDirectory("ws", "src");
        directory.CreateDirectory("secret");
        File.CreateSymbolicLink(Path.Combine(workspace, "escape"), directory.Combine("secret"));
        File.CreateSymbolicLink(Path.Combine(workspace, "code"), "src");

        Assert.AreEqual(Path.Combine(workspace, "src"), PathGuard.InsideWorkspace(workspace, "working_directory", "code"));
        Assert.AreEqual(Path.Combine(workspace, "src", "new"), PathGuard.InsideWorkspace(workspace, "working_directory", "code/new"));
        Assert.AreEqual("GBX5005", Assert.ThrowsExactly<GadugiException>(() => PathGuard.InsideWorkspace(workspace, "working_directory", "escape")).Code);
        Assert.AreEqual("GBX5005", Assert.ThrowsExactly<GadugiException>(() => PathGuard.InsideWorkspace(workspace, "policy_file", "../secret/p.yml")).Code);
    }
}
