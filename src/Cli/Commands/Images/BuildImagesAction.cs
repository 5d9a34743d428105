using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Cli.Commands.Images;

/// <summary>gadugi-exec images build: builds the named recipes (all by default) one after another.</summary>
internal sealed class BuildImagesAction(ImageRecipeCatalog catalog)
{
    public async Task<int> RunAsync(IReadOnlyList<string> names, ImageRebuild rebuild, CancellationToken cancellationToken)
    {
        // Resolve every name first, so a typo fails before anything is built.
        var recipes = (names.Count == 0 ? catalog.Names : names.Distinct(StringComparer.Ordinal).ToList()).Select(catalog.Get).ToList();
        using var engine = await ImageEngine.ConnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var builder = new ImageBuilder(engine.Client);
        var view = BuildProgressView.ForConsole();
        foreach (var recipe in recipes)
        {
            var outcome = await view.ShowAsync(recipe, progress => builder.BuildAsync(recipe, rebuild, progress, cancellationToken)).ConfigureAwait(false);
            view.Finished(outcome);
        }

        return 0;
    }
}
