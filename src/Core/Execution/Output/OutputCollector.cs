using System.Formats.Tar;

namespace Gadugi.BuildExec.Core.Execution.Output;

/// <summary>
/// Copies what the command left in /output to the caller's directory. The archive is made inside the
/// sandbox (by the engine) and read here defensively: only regular files and directories are written, as the
/// caller's own files; links, FIFOs and devices are refused and reported, never followed.
/// </summary>
internal static class OutputCollector
{
    private const int MaxEntries = 100_000;

    public sealed record Collected(IReadOnlyList<string> Files, IReadOnlyList<SecurityEvent> Refusals);

    public static async Task<Collected> CollectAsync(
        ISandboxEngine engine,
        string sandboxId,
        string user,
        string destination,
        long maxBytes,
        CancellationToken cancellationToken)
    {
        var archivePath = Path.Combine(Path.GetTempPath(), $"gadugi-output-{Guid.NewGuid():N}.tar");
        try
        {
            string? failure;
            await using (var archive = new FileStream(archivePath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 65536, FileOptions.Asynchronous))
            {
                failure = await engine.ArchiveOutputAsync(sandboxId, user, archive, maxBytes, cancellationToken).ConfigureAwait(false);
            }

            var collected = await ExtractAsync(archivePath, destination, maxBytes, cancellationToken).ConfigureAwait(false);
            return failure is null
                ? collected
                : collected with { Refusals = [.. collected.Refusals, new SecurityEvent("output_refused", "/output could not be archived completely: " + failure)] };
        }
        finally
        {
            File.Delete(archivePath);
        }
    }

    internal static async Task<Collected> ExtractAsync(string archivePath, string destination, long maxBytes, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(destination);
        Directory.CreateDirectory(root);
        var files = new List<string>();
        var refusals = new List<SecurityEvent>();
        long total = 0;
        var entries = 0;

        await using var archive = File.OpenRead(archivePath);
        if (archive.Length == 0)
        {
            return new Collected(files, refusals);
        }

        await using var reader = new TarReader(archive);
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (++entries > MaxEntries)
                {
                    refusals.Add(new SecurityEvent("output_refused", $"more than {MaxEntries} entries in /output; the rest was dropped"));
                    break;
                }

                var relative = Normalize(entry.Name);
                if (relative is null)
                {
                    if (entry.Name.Trim('.', '/').Length > 0)
                    {
                        refusals.Add(new SecurityEvent("output_refused", $"'{entry.Name}': path leaves /output"));
                    }

                    continue;
                }

                var target = Path.GetFullPath(Path.Combine(root, relative));
                if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || PassesThroughLink(root, target))
                {
                    refusals.Add(new SecurityEvent("output_refused", $"'{relative}': path leaves the output directory"));
                    continue;
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        total += entry.Length;
                        if (total > maxBytes)
                        {
                            refusals.Add(new SecurityEvent("output_refused", $"'{relative}': /output exceeds {maxBytes} bytes; the rest was dropped"));
                            return new Collected(files, refusals);
                        }

                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        await WriteRegularFileAsync(entry, target, cancellationToken).ConfigureAwait(false);
                        files.Add(relative);
                        break;
                    default:
                        refusals.Add(new SecurityEvent("output_refused", $"'{relative}': {Describe(entry.EntryType)} not copied (only regular files and directories leave the sandbox)"));
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            refusals.Add(new SecurityEvent("output_refused", "the /output archive was malformed: " + ex.Message));
        }

        return new Collected(files, refusals);
    }

    private static async Task WriteRegularFileAsync(TarEntry entry, string target, CancellationToken cancellationToken)
    {
        if (File.Exists(target) || Directory.Exists(target))
        {
            File.Delete(target);
        }

        var executable = (entry.Mode & UnixFileMode.UserExecute) != 0;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
                | (executable ? UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : UnixFileMode.None);
        }

        await using var output = new FileStream(target, options);
        if (entry.DataStream is { } data)
        {
            await data.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>"./a/b" → "a/b"; null for the root itself or anything absolute or with "..".</summary>
    internal static string? Normalize(string name)
    {
        var parts = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".").ToArray();
        if (parts.Length == 0 || parts.Any(part => part == ".." || part.Contains('\0', StringComparison.Ordinal)))
        {
            return null;
        }

        return string.Join(Path.DirectorySeparatorChar, parts);
    }

    /// <summary>True when an existing component between root and target is a symbolic link.</summary>
    private static bool PassesThroughLink(string root, string target)
    {
        var current = Path.GetDirectoryName(target);
        while (current is not null && current.Length > root.Length)
        {
            var info = new DirectoryInfo(current);
            if (info.Exists && info.LinkTarget is not null)
            {
                return true;
            }

            current = Path.GetDirectoryName(current);
        }

        var leaf = new FileInfo(target);
        return leaf.LinkTarget is not null;
    }

    private static string Describe(TarEntryType type) => type switch
    {
        TarEntryType.SymbolicLink => "symbolic link",
        TarEntryType.HardLink => "hard link",
        TarEntryType.Fifo => "FIFO",
        TarEntryType.CharacterDevice => "character device",
        TarEntryType.BlockDevice => "block device",
        _ => type.ToString(),
    };
}
