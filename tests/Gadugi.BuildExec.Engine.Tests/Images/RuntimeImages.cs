using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>
/// Builds every shipped recipe once per test run (cached by recipe hash across runs) and hands
/// the outcomes to the tests. Tests address images by ID, so a concurrent retag of the shared
/// gadugi/* names cannot swap the image under them.
/// </summary>
internal static class RuntimeImages
{
    private static readonly Lazy<Task<IReadOnlyDictionary<string, ImageBuildOutcome>>> FirstBuild = new(BuildAllAsync);
    private static readonly Lazy<Task<EngineConnection>> SharedEngine = new(() => EngineConnection.ConnectAsync());

    /// <summary>One engine connection for the whole test assembly (disposed by <see cref="Support.EngineAssembly"/>).</summary>
    public static Task<EngineConnection> EngineAsync() => SharedEngine.Value;

    public static void DisposeEngine()
    {
        if (SharedEngine.IsValueCreated && SharedEngine.Value.IsCompletedSuccessfully)
        {
            SharedEngine.Value.Result.Dispose();
        }
    }

    public static ImageRecipeCatalog Catalog { get; } = ImageRecipeCatalog.LoadEmbedded();

    /// <summary>The outcome of the first build of each recipe, by recipe name.</summary>
    public static Task<IReadOnlyDictionary<string, ImageBuildOutcome>> EnsureBuiltAsync() => FirstBuild.Value;

    public static async Task<string> ImageIdAsync(string recipe) => (await EnsureBuiltAsync())[recipe].ImageId;

    private static async Task<IReadOnlyDictionary<string, ImageBuildOutcome>> BuildAllAsync()
    {
        var engine = await EngineAsync();
        var builder = new ImageBuilder(engine.Client);
        var outcomes = new Dictionary<string, ImageBuildOutcome>(StringComparer.Ordinal);
        foreach (var recipe in Catalog.GetAll())
        {
            var outcome = await builder.BuildAsync(recipe, force: false, progress: null, CancellationToken.None);
            outcomes[recipe.Name] = outcome;
            Console.WriteLine($"{recipe.Reference}: {outcome.Status} in {outcome.Elapsed.TotalSeconds:0.0} s, {outcome.SizeBytes / 1e6:0.0} MB");
        }

        return outcomes;
    }
}
