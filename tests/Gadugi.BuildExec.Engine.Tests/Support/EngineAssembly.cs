using Gadugi.BuildExec.Core.Engine;

namespace Gadugi.BuildExec.Engine.Tests.Support;

[TestClass]
public static class EngineAssembly
{
    /// <summary>These tests need the real engine and the runtime images: fail loudly, never skip.</summary>
    [AssemblyInitialize]
    public static async Task RequireEngineAndImages(TestContext context)
    {
        _ = context;
        using var engine = await EngineConnection.ConnectAsync();
        foreach (var image in new[] { "gadugi/shell:5.2", "gadugi/python:3.11" })
        {
            await engine.Client.Images.InspectImageAsync(image);
        }
    }
}
