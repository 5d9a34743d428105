using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// The inputs recipes can take from the building machine:
/// "dotnet-sdk" = the host .NET SDK (value: its version; hooks get GADUGI_DOTNET_ROOT and GADUGI_DOTNET_SDK_VERSION).
/// </summary>
public sealed class HostRecipeInputs : IRecipeInputProvider
{
    public const string DotnetSdk = "dotnet-sdk";

    private readonly Func<string, string?> environment;
    private readonly IReadOnlyList<string> fallbackRoots;

    /// <param name="environment">Environment lookup (PATH, DOTNET_ROOT); the process environment by default.</param>
    /// <param name="fallbackRoots">Folders tried last; <see cref="HostDotnetSdk.WellKnownRoots"/> by default.</param>
    public HostRecipeInputs(Func<string, string?>? environment = null, IReadOnlyList<string>? fallbackRoots = null)
    {
        this.environment = environment ?? Environment.GetEnvironmentVariable;
        this.fallbackRoots = fallbackRoots ?? HostDotnetSdk.WellKnownRoots;
    }

    public IReadOnlyCollection<string> Names { get; } = [DotnetSdk];

    public RecipeInput Resolve(string inputName, string recipeName)
    {
        if (!string.Equals(inputName, DotnetSdk, StringComparison.Ordinal))
        {
            throw new ArgumentOutOfRangeException(nameof(inputName), inputName, "Unknown recipe input.");
        }

        var sdk = HostDotnetSdk.Locate(environment, fallbackRoots, out var searched)
            ?? throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.DotnetSdkNotFound), recipeName, searched));
        return ForSdk(sdk);
    }

    /// <summary>The input a given SDK installation yields.</summary>
    public static RecipeInput ForSdk(HostDotnetSdk sdk)
    {
        ArgumentNullException.ThrowIfNull(sdk);
        return new RecipeInput(
            DotnetSdk,
            sdk.Version,
            sdk.Fingerprint,
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["GADUGI_DOTNET_ROOT"] = sdk.Root,
                ["GADUGI_DOTNET_SDK_VERSION"] = sdk.Version,
            });
    }
}
