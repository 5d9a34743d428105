using System.Diagnostics;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// The newest version of each package that a set of Debian archives offers, read from the package
/// lists apt keeps on this machine (/var/lib/apt/lists after 'apt-get update'): nothing is fetched,
/// so it is as current as the machine's last update. Lists are found by apt's file naming
/// (host_path_dists_suite_component_binary-arch_Packages, optionally compressed).
/// </summary>
public sealed class PackageIndex
{
    /// <summary>Where apt keeps its downloaded package lists.</summary>
    public const string DefaultListsDirectory = "/var/lib/apt/lists";

    private static readonly string[] Compressions = ["", ".lz4", ".gz", ".xz", ".zst", ".bz2"];

    private readonly Dictionary<string, string> newest;

    private PackageIndex(Dictionary<string, string> newest, IReadOnlyList<string> files, DateTime updated)
    {
        this.newest = newest;
        Files = files;
        Updated = updated;
    }

    /// <summary>The list files read.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>When the newest of those files was written (the machine's last 'apt-get update').</summary>
    public DateTime Updated { get; }

    /// <summary>The newest version offered for <paramref name="package"/>, or null when no archive offers it.</summary>
    public string? NewestVersion(string package) => newest.GetValueOrDefault(package);

    /// <summary>
    /// Reads the lists of every archive in <paramref name="sources"/> ("deb URI SUITE COMPONENT…" lines)
    /// for <paramref name="architecture"/>. Null, with the reason, when any of them is missing or unreadable:
    /// a partial index would call an image up to date that is not.
    /// </summary>
    public static async Task<(PackageIndex? Index, string? Missing)> LoadAsync(
        string listsDirectory, IEnumerable<string> sources, string architecture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listsDirectory);
        ArgumentNullException.ThrowIfNull(sources);
        var newest = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var prefix in sources.SelectMany(line => ListPrefixes(line, architecture)))
        {
            var file = Compressions.Select(suffix => Path.Combine(listsDirectory, prefix + suffix)).FirstOrDefault(File.Exists);
            if (file is null)
            {
                return (null, $"no {Path.Combine(listsDirectory, prefix)}");
            }

            string text;
            try
            {
                text = await ReadListAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return (null, $"{file} is unreadable: {ex.Message}");
            }

            foreach (var (name, version) in ParsePackages(text))
            {
                if (!newest.TryGetValue(name, out var known) || DebianVersion.Compare(version, known) > 0)
                {
                    newest[name] = version;
                }
            }

            files.Add(file);
        }

        if (files.Count == 0)
        {
            return (null, "the recipe names no 'deb' archive");
        }

        return (new PackageIndex(newest, files, files.Max(File.GetLastWriteTimeUtc)), null);
    }

    /// <summary>apt's list file name without its compression suffix, for each component of a "deb" line.</summary>
    internal static IEnumerable<string> ListPrefixes(string sourcesLine, string architecture)
    {
        var words = sourcesLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words.Count < 3 || words[0] != "deb")
        {
            yield break;
        }

        words.RemoveAt(0);
        if (words[0].StartsWith('['))
        {
            // "[arch=amd64 signed-by=…]" options: skipped up to the closing bracket.
            while (words.Count > 0 && !words[0].EndsWith(']'))
            {
                words.RemoveAt(0);
            }

            words.RemoveAt(0);
        }

        if (words.Count < 3)
        {
            yield break;
        }

        var uri = UriToFileName(words[0]);
        var suite = words[1].Replace('/', '_');
        foreach (var component in words.Skip(2))
        {
            yield return $"{uri}_dists_{suite}_{component.Replace('/', '_')}_binary-{architecture}_Packages";
        }
    }

    /// <summary>apt's URItoFileName: no scheme, no user:password, no trailing slash, '/' as '_'.</summary>
    private static string UriToFileName(string uri)
    {
        var text = uri;
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (at >= 0 && (slash < 0 || at < slash))
        {
            text = text[(at + 1)..];
        }

        return text.TrimEnd('/').Replace('/', '_');
    }

    /// <summary>(Package, Version) of every stanza of a Packages file.</summary>
    internal static IEnumerable<(string Name, string Version)> ParsePackages(string text)
    {
        string? name = null;
        string? version = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (name is not null && version is not null)
                {
                    yield return (name, version);
                }

                name = version = null;
            }
            else if (line.StartsWith("Package:", StringComparison.Ordinal))
            {
                name = line["Package:".Length..].Trim();
            }
            else if (line.StartsWith("Version:", StringComparison.Ordinal))
            {
                version = line["Version:".Length..].Trim();
            }
        }

        if (name is not null && version is not null)
        {
            yield return (name, version);
        }
    }

    private static async Task<string> ReadListAsync(string file, CancellationToken cancellationToken)
    {
        var extension = Path.GetExtension(file);
        if (extension is ".xz" or ".zst" or ".bz2")
        {
            return await AptHelperCatAsync(file, cancellationToken).ConfigureAwait(false);
        }

        var stream = File.OpenRead(file);
        await using (stream.ConfigureAwait(false))
        {
            Stream decoded = extension switch
            {
                ".lz4" => LZ4Stream.Decode(stream),
                ".gz" => new GZipStream(stream, CompressionMode.Decompress),
                _ => stream,
            };
            await using (decoded.ConfigureAwait(false))
            {
                using var reader = new StreamReader(decoded);
                return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Compressions with no managed decoder here are read by apt's own helper, which apt ships beside those lists.</summary>
    private static async Task<string> AptHelperCatAsync(string file, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("/usr/lib/apt/apt-helper")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("cat-file");
        startInfo.ArgumentList.Add(file);
        using var process = Process.Start(startInfo) ?? throw new IOException("apt-helper did not start");
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var text = await output.ConfigureAwait(false);
            return process.ExitCode == 0 ? text : throw new InvalidDataException($"apt-helper cat-file exited with {process.ExitCode}: {(await errors.ConfigureAwait(false)).Trim()}");
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
