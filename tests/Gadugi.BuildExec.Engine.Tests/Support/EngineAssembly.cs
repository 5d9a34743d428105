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

        // The CLI's children run 'run' in their own process, as they always did: a test that signals or
        // kills the CLI means that process. The background service's own tests (ServiceTests) turn it on.
        Environment.SetEnvironmentVariable("GADUGI_POOL", "off");
        await RuntimeImages.EnsureBuiltAsync();
    }

    [AssemblyCleanup]
    public static void Disconnect() => RuntimeImages.DisposeEngine();
}
