using System.Globalization;
using Gadugi.BuildExec.Images;
using Spectre.Console;

namespace Gadugi.BuildExec.Cli.Commands.Images;

/// <summary>
/// Shows one image build: a live status line on an interactive terminal, or plain prefixed lines
/// (every mmdebstrap line included) when output goes to a file or a CI log.
/// </summary>
internal abstract class BuildProgressView
{
    public static BuildProgressView ForConsole() =>
        StandardOutput.IsInteractive
            ? new LiveView(AnsiConsole.Console)
            : new PlainView(Console.Out);

    public abstract Task<ImageBuildOutcome> ShowAsync(ImageRecipe recipe, Func<IProgress<ImageBuildProgress>, Task<ImageBuildOutcome>> build);

    public abstract void Finished(ImageBuildOutcome outcome);

    internal static string Describe(ImageBuildOutcome outcome) => outcome.Status switch
    {
        ImageBuildStatus.Cached => $"{outcome.Recipe.Reference} is current (recipe {outcome.Recipe.RecipeHash[..12]}, {Size.Format(outcome.SizeBytes)})",
        ImageBuildStatus.Unchanged => $"{outcome.Recipe.Reference} has the newest packages already ({outcome.Packages?.Packages.Count} packages, checked in {Seconds(outcome)}); kept {ShortId(outcome.ImageId)}",
        _ => $"{outcome.Recipe.Reference} built in {Seconds(outcome)} (recipe {outcome.Recipe.RecipeHash[..12]}, {Size.Format(outcome.SizeBytes)}, {outcome.Packages?.Packages.Count} packages){ChangedText(outcome)}",
    };

    private static string Seconds(ImageBuildOutcome outcome) => outcome.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string ShortId(string id) => id.Replace("sha256:", string.Empty, StringComparison.Ordinal)[..12];

    private static string ChangedText(ImageBuildOutcome outcome) => outcome.Changed.Count == 0
        ? string.Empty
        : $"; {outcome.Changed.Count} packages changed: " + string.Join(", ", outcome.Changed.Take(10).Select(change => $"{change.Name} {change.Installed} -> {change.Available}"))
            + (outcome.Changed.Count > 10 ? ", ..." : string.Empty);

    internal static string StageText(ImageBuildStage stage) => stage switch
    {
        ImageBuildStage.Checking => "checking",
        ImageBuildStage.BuildingRootfs => "building root file system",
        ImageBuildStage.Importing => "importing",
        ImageBuildStage.SmokeTesting => "smoke test",
        ImageBuildStage.Cached => "cached",
        ImageBuildStage.Built => "built",
        ImageBuildStage.Unchanged => "unchanged",
        _ => stage.ToString(),
    };

    private sealed class LiveView(IAnsiConsole console) : BuildProgressView
    {
        public override Task<ImageBuildOutcome> ShowAsync(ImageRecipe recipe, Func<IProgress<ImageBuildProgress>, Task<ImageBuildOutcome>> build) =>
            console.Status().Spinner(Spinner.Known.Dots).StartAsync(
                Markup.Escape($"{recipe.Name}: checking {recipe.Reference}"),
                context => build(new SynchronousProgress<ImageBuildProgress>(report =>
                {
                    var detail = report.Detail is { Length: > 0 } text ? " " + Shorten(text) : string.Empty;
                    context.Status($"[bold]{Markup.Escape(recipe.Name)}[/]: {StageText(report.Stage)}[grey]{Markup.Escape(detail)}[/]");
                })));

        public override void Finished(ImageBuildOutcome outcome) =>
            console.MarkupLine($"[green]✓[/] {Markup.Escape(Describe(outcome))}");

        private static string Shorten(string text) => text.Length <= 70 ? text : text[..69] + "…";
    }

    private sealed class PlainView(TextWriter output) : BuildProgressView
    {
        public override Task<ImageBuildOutcome> ShowAsync(ImageRecipe recipe, Func<IProgress<ImageBuildProgress>, Task<ImageBuildOutcome>> build)
        {
            var lastStage = (ImageBuildStage?)null;
            return build(new SynchronousProgress<ImageBuildProgress>(report =>
            {
                if (report.Stage == ImageBuildStage.BuildingRootfs && lastStage == ImageBuildStage.BuildingRootfs)
                {
                    output.WriteLine($"{recipe.Name} | {report.Detail}");
                }
                else if (report.Stage is not (ImageBuildStage.Cached or ImageBuildStage.Built or ImageBuildStage.Unchanged))
                {
                    output.WriteLine($"{recipe.Name}: {StageText(report.Stage)} {report.Detail}".TrimEnd());
                }

                lastStage = report.Stage;
            }));
        }

        public override void Finished(ImageBuildOutcome outcome) => output.WriteLine($"{outcome.Recipe.Name}: {Describe(outcome)}");
    }
}
