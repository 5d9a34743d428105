using Gadugi.BuildExec.Core.Engine;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>What every runtime image must be, checked inside the built images themselves.</summary>
[TestClass]
public sealed class RuntimeImageHardeningTests
{
    public static IEnumerable<string> AllRecipes => ["shell", "python", "node", "multi", "dotnet-sdk"];

    private static async Task<ProbeResult> ShAsync(string recipe, string script, string? user = null, bool readOnlyRoot = true) =>
        await ContainerProbe.RunAsync((await RuntimeImages.EngineAsync()).Client, await RuntimeImages.ImageIdAsync(recipe), ["sh", "-c", script], user, readOnlyRoot);

    [TestMethod]
    [DynamicData(nameof(AllRecipes))]
    public async Task Runs_as_uid_10001_in_workspace_by_default(string recipe)
    {
        var result = await ShAsync(recipe, "echo $(id -u):$(id -g):$(id -un):$HOME:$(pwd)");

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        Assert.AreEqual("10001:10001:sandbox:/tmp:/workspace", result.Stdout.Trim());
    }

    [TestMethod]
    [DynamicData(nameof(AllRecipes))]
    public async Task Has_no_setuid_or_setgid_files(string recipe)
    {
        // As root (still without capabilities) so that no directory is hidden from find.
        var result = await ShAsync(recipe, "find / -xdev -perm /6000", user: "0:0");

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        Assert.AreEqual(string.Empty, result.Stdout.Trim(), result.ToString());
    }

    [TestMethod]
    [DynamicData(nameof(AllRecipes))]
    public async Task Has_no_package_manager_installers_or_compilers(string recipe)
    {
        var result = await ShAsync(
            recipe,
            "for p in dpkg dpkg-deb apt apt-get apt-cache debconf pip pip3 easy_install npm npx yarn gcc cc c++ g++ cpp clang ld as make; do command -v $p; done; " +
            "for d in /var/lib/dpkg /var/lib/apt /etc/apt /usr/share/man /usr/share/info; do [ -e $d ] && echo $d; done; " +
            "ls /usr/lib/python3*/ensurepip 2>/dev/null; true");

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        Assert.AreEqual(string.Empty, result.Stdout.Trim(), result.ToString());
    }

    [TestMethod]
    [DynamicData(nameof(AllRecipes))]
    public async Task Has_the_sandbox_directories_and_sleep_and_tar(string recipe)
    {
        var result = await ShAsync(
            recipe,
            "test -d /input && test -d /workspace && stat -c '%u:%g' /output && sleep 0 && tar --version | head -n1");

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        StringAssert.StartsWith(result.Stdout, "10001:10001\ntar (GNU tar)");
    }

    [TestMethod]
    [DynamicData(nameof(AllRecipes))]
    public async Task Works_with_a_read_only_root_where_only_tmp_is_writable(string recipe)
    {
        var result = await ShAsync(recipe, "touch /tmp/ok && ! touch /etc/not-ok 2>/dev/null && ! touch /workspace/not-ok 2>/dev/null && echo fine");

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        Assert.AreEqual("fine", result.Stdout.Trim());
    }

    [TestMethod]
    [DataRow("shell")]
    [DataRow("python")]
    [DataRow("dotnet-sdk")]
    public async Task Output_is_writable_by_the_sandbox_user(string recipe)
    {
        // Writable layer: the sandbox mounts /output, but the directory itself must already belong to 10001.
        var result = await ShAsync(recipe, "echo result > /output/file && cat /output/file && ! touch /input/../etc/x 2>/dev/null", readOnlyRoot: false);

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        Assert.AreEqual("result", result.Stdout.Trim());
    }
}
