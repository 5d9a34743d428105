using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>Builds that cannot or must not finish: each fails with its code and leaves nothing behind.</summary>
[TestClass]
public sealed class ImageBuildFailureTests
{
    private string workDirectory = string.Empty;

    [TestInitialize]
    public void CreateWorkDirectory() => workDirectory = Directory.CreateTempSubdirectory("gadugi-test-work-").FullName;

    [TestCleanup]
    public void DeleteWorkDirectory()
    {
        if (MountTable.MountPointsBelow(workDirectory).Count == 0)
        {
            Directory.Delete(workDirectory, recursive: true);
        }
    }

    private void AssertNothingLeftBehind()
    {
        Assert.IsEmpty(Directory.EnumerateFileSystemEntries(workDirectory).ToList(), "scratch files remain");
        Assert.IsEmpty(MountTable.MountPointsBelow(workDirectory), "mounts remain");
        Assert.IsEmpty(ProcessesMentioning(workDirectory), "processes remain");
    }

    private static List<string> ProcessesMentioning(string text) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Where(folder => int.TryParse(Path.GetFileName(folder), out _))
            .Select(folder =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return string.Empty;
                }
                catch (UnauthorizedAccessException)
                {
                    return string.Empty;
                }
            })
            .Where(commandLine => commandLine.Contains(text, StringComparison.Ordinal))];

    [TestMethod]
    public async Task Cancelling_stops_mmdebstrap_and_removes_its_mounts_files_and_processes()
    {
        using var scratch = ScratchRecipes.Create("shell");
        using var engine = await EngineConnection.ConnectAsync();
        var recipe = scratch.Load().Get("shell");
        var builder = new ImageBuilder(engine.Client) { WorkDirectory = workDirectory };
        using var cancellation = new CancellationTokenSource();
        var sawMounts = false;
        var progress = new SynchronousProgress<ImageBuildProgress>(report =>
        {
            // Cancel mid-install, while /proc and /sys are mounted inside the new root.
            if (report.Detail?.StartsWith("I: installing", StringComparison.Ordinal) == true && !cancellation.IsCancellationRequested)
            {
                sawMounts = MountTable.MountPointsBelow(workDirectory).Count > 0;
                cancellation.Cancel();
            }
        });

        await Assert.ThrowsAsync<OperationCanceledException>(() => builder.BuildAsync(recipe, force: false, progress, cancellation.Token));

        Assert.IsTrue(sawMounts, "the build was cancelled before mmdebstrap mounted anything, so the test proved little");
        AssertNothingLeftBehind();
        Assert.IsFalse(await TestImages.ExistsAsync(engine.Client, recipe.Reference));
    }

    [TestMethod]
    public async Task A_package_that_does_not_exist_fails_with_mmdebstrap_output_and_leaves_nothing()
    {
        using var scratch = ScratchRecipes.Create("shell");
        scratch.Edit("shell", yaml => ScratchRecipes.Replace(yaml, "  - coreutils\n", "  - coreutils\n  - gadugi-no-such-package\n"));
        using var engine = await EngineConnection.ConnectAsync();
        var recipe = scratch.Load().Get("shell");
        var builder = new ImageBuilder(engine.Client) { WorkDirectory = workDirectory };

        var error = await Assert.ThrowsAsync<GadugiException>(() => builder.BuildAsync(recipe, force: false, progress: null, CancellationToken.None));

        Assert.AreEqual("GBX1112", error.Code);
        StringAssert.Contains(error.Message, "'shell'");
        StringAssert.Contains(error.Message, "gadugi-no-such-package");
        StringAssert.Contains(error.Message, "suite 'bookworm'");
        AssertNothingLeftBehind();
        Assert.IsFalse(await TestImages.ExistsAsync(engine.Client, recipe.Reference));
    }

    [TestMethod]
    public async Task A_missing_mmdebstrap_is_named_with_the_fix()
    {
        var recipe = RuntimeImages.Catalog.Get("shell");
        var builder = new RootfsBuilder("/nonexistent/mmdebstrap");

        var error = await Assert.ThrowsAsync<GadugiException>(() =>
            builder.BuildAsync(recipe, path => path, Path.Combine(workDirectory, "rootfs.tar"), workDirectory, null, CancellationToken.None));

        Assert.AreEqual("GBX1110", error.Code);
        StringAssert.Contains(error.Message, "apt-get install mmdebstrap");
        AssertNothingLeftBehind();
    }

    [TestMethod]
    public async Task Building_without_root_is_refused_with_the_fix()
    {
        var recipe = RuntimeImages.Catalog.Get("shell");
        var builder = new RootfsBuilder(isRoot: () => false);

        var error = await Assert.ThrowsAsync<GadugiException>(() =>
            builder.BuildAsync(recipe, path => path, Path.Combine(workDirectory, "rootfs.tar"), workDirectory, null, CancellationToken.None));

        Assert.AreEqual("GBX1111", error.Code);
        StringAssert.Contains(error.Message, "sudo gadugi-exec images build shell");
    }
}
