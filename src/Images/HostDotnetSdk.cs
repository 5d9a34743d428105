using System.Globalization;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// The .NET installation of the building machine: the directory of the real <c>dotnet</c> binary
/// found on PATH (symlinks resolved), else DOTNET_ROOT, else the usual Linux locations. Read from
/// the file system (sdk/VERSION and shared/FRAMEWORK/VERSION folders), as 'dotnet --list-sdks' does.
/// </summary>
public sealed record HostDotnetSdk(string Root, string Version, IReadOnlyList<string> Sdks, IReadOnlyList<string> Runtimes)
{
    /// <summary>Where Linux packages and installers put .NET, tried after PATH and DOTNET_ROOT.</summary>
    public static readonly IReadOnlyList<string> WellKnownRoots = ["/usr/share/dotnet", "/usr/lib/dotnet", "/opt/dotnet"];

    /// <summary>What identifies this installation for the recipe hash: every SDK and runtime version.</summary>
    public string Fingerprint => $"sdks={string.Join(',', Sdks)};runtimes={string.Join(',', Runtimes)}";

    /// <summary>Finds the host SDK, or returns null with the places searched in <paramref name="searched"/>.</summary>
    public static HostDotnetSdk? Locate(Func<string, string?> environment, out string searched) =>
        Locate(environment, WellKnownRoots, out searched);

    /// <summary>Finds the host SDK via PATH, DOTNET_ROOT, then <paramref name="fallbackRoots"/>.</summary>
    public static HostDotnetSdk? Locate(Func<string, string?> environment, IEnumerable<string> fallbackRoots, out string searched)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(fallbackRoots);
        var candidates = CandidateRoots(environment).Concat(fallbackRoots).Distinct(StringComparer.Ordinal).ToList();
        searched = candidates.Count == 0 ? "no dotnet on PATH" : "looked in " + string.Join(", ", candidates);
        foreach (var root in candidates)
        {
            var found = FromRoot(root);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Reads the installation at <paramref name="root"/>; null when it holds no SDK.</summary>
    public static HostDotnetSdk? FromRoot(string root)
    {
        var sdkFolder = Path.Combine(root, "sdk");
        if (!File.Exists(Path.Combine(root, "dotnet")) || !Directory.Exists(sdkFolder))
        {
            return null;
        }

        var sdks = Directory.EnumerateDirectories(sdkFolder)
            .Where(folder => File.Exists(Path.Combine(folder, "dotnet.dll")))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(DotnetVersionComparer.Instance)
            .ToList();
        if (sdks.Count == 0)
        {
            return null;
        }

        var sharedFolder = Path.Combine(root, "shared");
        var runtimes = Directory.Exists(sharedFolder)
            ? Directory.EnumerateDirectories(sharedFolder)
                .SelectMany(framework => Directory.EnumerateDirectories(framework)
                    .Select(version => $"{Path.GetFileName(framework)}/{Path.GetFileName(version)}"))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        return new HostDotnetSdk(root, sdks[^1], sdks, runtimes);
    }

    private static IEnumerable<string> CandidateRoots(Func<string, string?> environment)
    {
        foreach (var folder in (environment("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var dotnet = Path.Combine(folder, "dotnet");
            if (File.Exists(dotnet))
            {
                var real = new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(dotnet);
                yield return Path.GetDirectoryName(real)!;
            }
        }

        var fromEnvironment = environment("DOTNET_ROOT");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            yield return Path.GetFullPath(fromEnvironment);
        }
    }

    /// <summary>Orders "10.0.100-rc.2.1" before "10.0.100" before "10.0.401".</summary>
    internal sealed class DotnetVersionComparer : IComparer<string>
    {
        public static readonly DotnetVersionComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var (xRelease, xPre) = Split(x ?? string.Empty);
            var (yRelease, yPre) = Split(y ?? string.Empty);
            for (var i = 0; i < Math.Max(xRelease.Length, yRelease.Length); i++)
            {
                var byPart = (i < xRelease.Length ? xRelease[i] : 0).CompareTo(i < yRelease.Length ? yRelease[i] : 0);
                if (byPart != 0)
                {
                    return byPart;
                }
            }

            return (xPre, yPre) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                _ => string.CompareOrdinal(xPre, yPre),
            };
        }

        private static (long[] Release, string? Prerelease) Split(string version)
        {
            var dash = version.IndexOf('-', StringComparison.Ordinal);
            var release = dash < 0 ? version : version[..dash];
            var parts = release.Split('.').Select(part => long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : -1).ToArray();
            return (parts, dash < 0 ? null : version[(dash + 1)..]);
        }
    }
}
