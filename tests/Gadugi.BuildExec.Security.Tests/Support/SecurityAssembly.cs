using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Security.Tests.Support;

[TestClass]
public static class SecurityAssembly
{
    /// <summary>The attack suite needs the real engine, the images and both runtimes: fail loudly, never skip.</summary>
    [AssemblyInitialize]
    public static async Task RequireEngineImagesAndRuntimes(TestContext context)
    {
        _ = context;
        using var engine = await EngineConnection.ConnectAsync();
        foreach (var image in new[] { "gadugi/shell:5.2", "gadugi/python:3.11", "gadugi/node:18" })
        {
            await engine.Client.Images.InspectImageAsync(image);
        }

        var info = await engine.Client.System.GetSystemInfoAsync();
        Assert.IsNotNull(info.Runtimes, "the engine lists no runtimes");
        Assert.IsTrue(info.Runtimes.ContainsKey("runsc"), "gVisor (runsc) must be registered with the engine: the suite runs under both runtimes");
    }

    [AssemblyCleanup]
    public static Task RemoveTestImages() => VolumeImage.RemoveAsync();
}
