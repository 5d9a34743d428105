using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Resources;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// Makes sure the policy's image is on the runner's engine before any step runs. A fresh runner has
/// none of the gadugi images and the action never pulls: gadugi/shell:5.2 (the default policy's
/// image), gadugi/python:3.11 and gadugi/node:18 travel in the action image as root file systems and
/// are imported on first use (once per engine; the time it takes is shown). Any other missing image
/// is error GBX5035 (a recipe's image: the exact pull-and-tag step of the published one) or GBX5036
/// (any other image), before the steps report they could not run.
/// </summary>
public sealed class SandboxImageProvisioner(ActionConsole console, Uri? endpoint)
{
    /// <summary>Where the Dockerfile puts the bundled root file systems (one folder per recipe name).</summary>
    public static string BundleDirectory =>
        Environment.GetEnvironmentVariable("GADUGI_BUNDLED_IMAGES") is { Length: > 0 } configured ? configured : Path.Combine(AppContext.BaseDirectory, "sandbox-images");

    public const string BundledShell = "gadugi/shell:5.2";

    /// <summary>
    /// The owner of the container registry namespace the release workflow publishes the runtime images
    /// to: the action's own repository's owner (GITHUB_ACTION_REPOSITORY, set for 'uses: owner/repo@ref'),
    /// else the workflow's repository's (for 'uses: ./'), lower-cased as the registry requires.
    /// </summary>
    public static string PublishingOwner()
    {
        foreach (var variable in new[] { "GITHUB_ACTION_REPOSITORY", "GITHUB_REPOSITORY" })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } repository && repository.Contains('/', StringComparison.Ordinal))
            {
                return repository[..repository.IndexOf('/', StringComparison.Ordinal)].ToLowerInvariant();
            }
        }

        return "gadugi";
    }

    private static Diagnostic NotCarried(SandboxPolicy policy)
    {
        var carried = BundledImages.CarriedReferences(BundleDirectory) is { Count: > 0 } references ? string.Join(", ", references) : "no images";
        return BundledImages.RecipeFor(policy.Image) is { } recipe
            ? Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionImageUnavailable), policy.Image, policy.Name, carried, $"ghcr.io/{PublishingOwner()}/gadugi-{recipe.Name}:{recipe.Tag}")
            : Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionImageUnavailableCustom), policy.Image, policy.Name, carried);
    }

    public async Task EnsureAsync(SandboxPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        BundledImageOutcome outcome;
        try
        {
            outcome = await BundledImages.EnsureAsync(endpoint, policy.Image, BundleDirectory, "gadugi-action " + typeof(SandboxImageProvisioner).Assembly.GetName().Version, cancellationToken).ConfigureAwait(false);
        }
        catch (GadugiException ex) when (ex.Code == "GBX1001")
        {
            // No engine: each step reports GBX1001 itself.
            return;
        }

        switch (outcome.Status)
        {
            case BundledImageStatus.Imported:
                console.WriteLine($"Imported {outcome.Reference} from the action image in {ReportFormat.Duration(outcome.Elapsed)} ({ReportFormat.Size(outcome.SizeBytes)}); later uses of the action on this runner find it on the engine.");
                break;
            case BundledImageStatus.NotBundled:
                // Said once, with the fix for a runner; each step then reports it could not run (GBX1201).
                console.Error(NotCarried(policy));
                break;
        }
    }
}
