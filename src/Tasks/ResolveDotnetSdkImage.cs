using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Tasks.Resources;
using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// The image of the <c>dotnet</c> policy for this build's SDK (<see cref="DotnetSdkImageResolver"/>): the
/// exact version's, else the feature band's newest local one (GBX4020), else the registry image when
/// pulling is allowed (GBX4021), else GBX4022. Each fallback is a coded message, not a warning, so a
/// build with -warnaserror keeps working after an SDK patch update.
/// </summary>
public sealed class ResolveDotnetSdkImage : ContextAwareTask, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The repository of the SDK images (gadugi/dotnet-sdk): tags are SDK versions.</summary>
    [Required]
    public string Repository { get; set; } = string.Empty;

    /// <summary>The SDK version the build runs ($(GadugiDotnetSdkVersion), default $(NETCoreSdkVersion)).</summary>
    [Required]
    public string SdkVersion { get; set; } = string.Empty;

    /// <summary>The registry image to fall back to; empty means mcr.microsoft.com/dotnet/sdk:&lt;major.minor&gt;.</summary>
    public string? RegistryImage { get; set; }

    /// <summary>Whether the registry image may be used (and pulled when the engine lacks it).</summary>
    public bool AllowPull { get; set; }

    /// <summary>Container engine; empty means the docker CLI's.</summary>
    public string? EngineEndpoint { get; set; }

    /// <summary>The image to run.</summary>
    [Output]
    public string Image { get; set; } = string.Empty;

    protected override void OnCancel() => _cancel.Cancel();

    protected override bool ExecuteInner()
    {
        TaskResources = TaskMessages.ResourceManager;
        if (CancelRequested)
        {
            _cancel.Cancel();
        }

        return System.Threading.Tasks.Task.Run(() => ExecuteAsync(_cancel.Token)).GetAwaiter().GetResult();
    }

    private async Task<bool> ExecuteAsync(CancellationToken cancellationToken)
    {
        var query = new DotnetSdkImageQuery(Repository.Trim(), SdkVersion.Trim(), RegistryImage, AllowPull);
        try
        {
            using var catalog = await EngineImageCatalog.ConnectAsync(string.IsNullOrWhiteSpace(EngineEndpoint) ? null : new Uri(EngineEndpoint), cancellationToken).ConfigureAwait(false);
            var choice = await DotnetSdkImageResolver.ResolveAsync(catalog, query, cancellationToken).ConfigureAwait(false);
            Image = choice.Image;
            Report(choice, query);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.ErrorFromResources(TaskMessages.ResourceManager, null, nameof(TaskMessages.DotnetSdkImageCancelled));
        }
        catch (GadugiException ex)
        {
            Log.Error(ex.Diagnostic, BuildEngine?.ProjectFileOfTaskNode);
        }
        catch (SandboxEngineException ex)
        {
            Log.ErrorFromResources(TaskMessages.ResourceManager, BuildEngine?.ProjectFileOfTaskNode, nameof(TaskMessages.DotnetSdkImageEngineFailed), ex.Message);
        }

        return !Log.HasLoggedErrors;
    }

    private void Report(DotnetSdkImageChoice choice, DotnetSdkImageQuery query)
    {
        var band = DotnetSdkVersion.TryParse(query.SdkVersion)?.FeatureBandName ?? query.SdkVersion;
        switch (choice.Source)
        {
            case DotnetSdkImageSource.Exact:
                Log.LogMessage(MessageImportance.Low, "The .NET SDK {0}'s image {1} is on the engine.", query.SdkVersion, choice.Image);
                break;
            case DotnetSdkImageSource.FeatureBand:
                Log.MessageFromResources(TaskMessages.ResourceManager, nameof(TaskMessages.DotnetSdkImageFeatureBand), query.ExactImage, choice.Image, band);
                break;
            default:
                Log.MessageFromResources(
                    TaskMessages.ResourceManager,
                    nameof(TaskMessages.DotnetSdkImageRegistry),
                    query.ExactImage,
                    band,
                    choice.Image,
                    choice.Source == DotnetSdkImageSource.RegistryPulled ? "pulled it" : "the engine already had it");
                break;
        }
    }

    public void Dispose() => _cancel.Dispose();
}
