using System.Runtime.CompilerServices;
using Microsoft.Build.Locator;

namespace Gadugi.BuildExec.Tasks.Tests.Support;

/// <summary>
/// Registers the SDK's MSBuild before any Microsoft.Build type is touched: the tests compile against
/// the Microsoft.Build packages (ExcludeAssets=runtime) and run against the SDK's assemblies, as the
/// tasks do in a real build.
/// </summary>
internal static class MSBuildRegistration
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "Test assembly: MSBuildLocator must run before any MSBuild type loads.")]
    internal static void Register()
    {
        if (!MSBuildLocator.IsRegistered)
        {
            MSBuildLocator.RegisterDefaults();
        }
    }
}
