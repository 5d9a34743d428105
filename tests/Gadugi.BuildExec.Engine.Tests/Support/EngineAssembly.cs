using Gadugi.BuildExec.Engine.Tests.Images;

namespace Gadugi.BuildExec.Engine.Tests.Support;

[TestClass]
public static class EngineAssembly
{
    /// <summary>These tests need the real engine and the runtime images: built here when missing (cached by recipe hash), never skipped.</summary>
    [AssemblyInitialize]
    public static async Task RequireEngineAndImages(TestContext context)
    {
        _ = context;
        await RuntimeImages.EnsureBuiltAsync();
    }

    [AssemblyCleanup]
    public static void Disconnect() => RuntimeImages.DisposeEngine();
}
