using System.Globalization;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// A .NET SDK version as the SDK writes it (<c>10.0.401</c>, <c>10.0.100-rc.2.25502.107</c>): its feature
/// band is the hundreds of the patch number (10.0.4xx), the unit within which SDKs differ only by fixes.
/// </summary>
internal sealed record DotnetSdkVersion(int Major, int Minor, int Patch, string? Prerelease) : IComparable<DotnetSdkVersion>
{
    public int FeatureBand => Patch / 100;

    /// <summary>The band as people write it: <c>10.0.4xx</c>.</summary>
    public string FeatureBandName => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{FeatureBand}xx");

    public bool SameFeatureBand(DotnetSdkVersion other) =>
        Major == other.Major && Minor == other.Minor && FeatureBand == other.FeatureBand;

    public static DotnetSdkVersion? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var release = (dash < 0 ? text : text[..dash]).Split('.');
        var numbers = new int[3];
        if (release.Length != 3)
        {
            return null;
        }

        for (var i = 0; i < 3; i++)
        {
            if (!int.TryParse(release[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        var prerelease = dash < 0 ? null : text[(dash + 1)..];
        return numbers[2] < 100 || prerelease is { Length: 0 } ? null : new DotnetSdkVersion(numbers[0], numbers[1], numbers[2], prerelease);
    }

    /// <summary>Release parts first; a prerelease sorts before its release.</summary>
    public int CompareTo(DotnetSdkVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byRelease = (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
        return byRelease != 0
            ? byRelease
            : (Prerelease, other.Prerelease) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                _ => string.CompareOrdinal(Prerelease, other.Prerelease),
            };
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}") + (Prerelease is null ? string.Empty : "-" + Prerelease);
}
