using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;

namespace Gadugi.BuildExec.Images;

/// <summary>One installed Debian package of an image.</summary>
public sealed record InstalledPackage(string Name, string Version, string Architecture);

/// <summary>
/// The Debian packages an image was built with, recorded at build time (the images carry no dpkg
/// database: common/harden.sh removes it). The text form is 'dpkg-query -W' output with the
/// architecture, one "name TAB version TAB architecture" line per package, sorted by name; it is
/// written into the image (<see cref="PathInImage"/>) and, with its SHA-256, into the image's labels.
/// </summary>
public sealed class PackageManifest
{
    /// <summary>Where the manifest lies inside the image's root file system.</summary>
    public const string PathInImage = "usr/share/gadugi/packages.tsv";

    private PackageManifest(IReadOnlyList<InstalledPackage> packages)
    {
        Packages = packages;
        Text = string.Concat(packages.Select(package => $"{package.Name}\t{package.Version}\t{package.Architecture}\n"));
        Digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));
    }

    public IReadOnlyList<InstalledPackage> Packages { get; }

    /// <summary>The canonical text: sorted, one tab-separated line per package.</summary>
    public string Text { get; }

    /// <summary>SHA-256 of <see cref="Text"/>, lower-case hex.</summary>
    public string Digest { get; }

    /// <summary>The compact form kept in the <see cref="ImageLabels.Packages"/> label: "name=version:arch" separated by spaces.</summary>
    public string LabelValue => string.Join(' ', Packages.Select(package => $"{package.Name}={package.Version}:{package.Architecture}"));

    public static PackageManifest Create(IEnumerable<InstalledPackage> packages) =>
        new([.. packages.DistinctBy(package => package.Name, StringComparer.Ordinal).OrderBy(package => package.Name, StringComparer.Ordinal)]);

    /// <summary>Reads "name TAB version TAB architecture" lines; blank lines are skipped, anything else is a format error.</summary>
    public static PackageManifest Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var packages = new List<InstalledPackage>();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0)
            {
                continue;
            }

            var fields = trimmed.Split('\t');
            if (fields.Length != 3 || fields.Any(field => field.Length == 0))
            {
                throw new FormatException($"'{trimmed}' is not 'name<TAB>version<TAB>architecture'");
            }

            packages.Add(new InstalledPackage(fields[0], fields[1], fields[2]));
        }

        return Create(packages);
    }

    /// <summary>The manifest an image's labels carry, or null when it was built without one (before package manifests existed).</summary>
    public static PackageManifest? FromLabels(IDictionary<string, string>? labels)
    {
        if (labels is null || !labels.TryGetValue(ImageLabels.Packages, out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var packages = new List<InstalledPackage>();
        foreach (var item in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            var colon = item.LastIndexOf(':');
            if (equals <= 0 || colon <= equals + 1 || colon == item.Length - 1)
            {
                return null;
            }

            packages.Add(new InstalledPackage(item[..equals], item[(equals + 1)..colon], item[(colon + 1)..]));
        }

        return Create(packages);
    }

    /// <summary>The manifest inside a root file system tarball (mmdebstrap's output), or null when the tarball has none.</summary>
    public static async Task<PackageManifest?> ReadFromTarballAsync(string tarball, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(tarball);
        await using (stream.ConfigureAwait(false))
        {
            var reader = new TarReader(stream);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (entry.Name.TrimStart('.', '/') == PathInImage && entry.DataStream is { } data)
                    {
                        using var text = new StreamReader(data, Encoding.UTF8);
                        return Parse(await text.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                    }
                }
            }
        }

        return null;
    }
}
