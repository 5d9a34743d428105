using System.Formats.Tar;

namespace Gadugi.BuildExec.Core.Execution.Output;

/// <summary>
/// Copies what the command left in /output to the caller's directory. The archive is made inside the
/// sandbox (by the engine) and read here defensively: only regular files and directories are written,
/// as the caller's own files; links, FIFOs and devices are refused and reported, never followed. The
/// destination is opened link-free (<see cref="LinkFreePath"/>) with the workspace as the boundary
/// inside which no link is trusted, and written through directory handles (<see cref="OutputTree"/>).
/// </summary>
internal static class OutputCollector
{
    private const int MaxEntries = 100_000;

    public sealed record Collected(IReadOnlyList<string> Files, IReadOnlyList<SecurityEvent> Refusals);

    /// <summary>
    /// Archives /output in the sandbox and extracts it into <paramref name="destination"/>. When
    /// nothing of the command is left running, its uid (<paramref name="user"/>) first opens the
    /// command's files to others (it may have closed them); the archiver runs as
    /// <paramref name="archiverUser"/>, the sandbox's own uid (<see cref="SandboxKeeper"/>), so a
    /// leftover of the command cannot stop it or write into its output.
    /// </summary>
    public static async Task<Collected> CollectAsync(
        ISandboxEngine engine,
        string sandboxId,
        string user,
        string archiverUser,
        string destination,
        string? boundary,
        long maxBytes,
        CancellationToken cancellationToken)
    {
        var archivePath = Path.Combine(Path.GetTempPath(), $"gadugi-output-{Guid.NewGuid():N}.tar");
        try
        {
            string? failure;
            await using (var archive = new FileStream(archivePath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 65536, FileOptions.Asynchronous))
            {
                failure = await engine.ArchiveOutputAsync(sandboxId, user, archiverUser, archive, maxBytes, cancellationToken).ConfigureAwait(false);
            }

            var collected = await ExtractAsync(archivePath, destination, boundary, maxBytes, cancellationToken).ConfigureAwait(false);
            return failure is null
                ? collected
                : collected with { Refusals = [.. collected.Refusals, new SecurityEvent("output_refused", "/output could not be archived completely: " + failure)] };
        }
        finally
        {
            File.Delete(archivePath);
        }
    }

    internal static async Task<Collected> ExtractAsync(string archivePath, string destination, string? boundary, long maxBytes, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        var refusals = new EventBudget();
        var closing = new List<SecurityEvent>();

        await using var archive = File.OpenRead(archivePath);
        if (archive.Length == 0)
        {
            return new Collected(files, []);
        }

        var (root, refusal) = LinkFreePath.OpenOrCreate(destination, boundary);
        if (root is null)
        {
            return new Collected(files, [new SecurityEvent("output_refused", $"nothing was copied: the output directory '{destination}' cannot be used safely ({refusal?.Reason})")]);
        }

        using var tree = new OutputTree(root);
        using var rootHandle = root;
        long total = 0;
        var entries = 0;
        await using var reader = new TarReader(archive);
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (++entries > MaxEntries)
                {
                    closing.Add(new SecurityEvent("output_refused", $"more than {MaxEntries} entries in /output; the rest was dropped"));
                    break;
                }

                var parts = Normalize(entry.Name);
                if (parts is null)
                {
                    if (entry.Name.Trim('.', '/').Length > 0)
                    {
                        refusals.Add(Refused(entry.Name, "path leaves /output"));
                    }

                    continue;
                }

                var relative = string.Join(Path.DirectorySeparatorChar, parts);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        if (tree.CreateDirectory(parts) is { } problem)
                        {
                            refusals.Add(Refused(relative, problem));
                        }

                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        total += entry.Length;
                        if (total > maxBytes)
                        {
                            closing.Add(Refused(relative, $"/output exceeds {maxBytes} bytes; the rest was dropped"));
                            return Done();
                        }

                        if (await WriteRegularFileAsync(tree, entry, parts, cancellationToken).ConfigureAwait(false) is { } failed)
                        {
                            refusals.Add(Refused(relative, failed));
                        }
                        else
                        {
                            files.Add(relative);
                        }

                        break;
                    default:
                        refusals.Add(Refused(relative, $"{Describe(entry.EntryType)} not copied (only regular files and directories leave the sandbox)"));
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            closing.Add(new SecurityEvent("output_refused", "the /output archive was malformed: " + EventBudget.Shorten(ex.Message)));
        }
        catch (IOException ex)
        {
            // The caller's own disk (full, read-only): what was written stays, the rest is reported.
            closing.Add(new SecurityEvent("output_refused", "/output could not be copied completely: " + EventBudget.Shorten(ex.Message)));
        }

        return Done();

        Collected Done() => new(files, [.. refusals.ToList(), .. closing]);
    }

    private static SecurityEvent Refused(string name, string why) => new("output_refused", $"'{EventBudget.Shorten(name)}': {why}");

    /// <summary>Writes one file; null, or why it was not written.</summary>
    private static async Task<string?> WriteRegularFileAsync(OutputTree tree, TarEntry entry, IReadOnlyList<string> parts, CancellationToken cancellationToken)
    {
        var executable = (entry.Mode & UnixFileMode.UserExecute) != 0;
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
            | (executable ? UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : UnixFileMode.None);
        var (stream, problem) = tree.CreateFile(parts, mode);
        if (stream is null)
        {
            return problem;
        }

        await using (stream.ConfigureAwait(false))
        {
            if (entry.DataStream is { } data)
            {
                await data.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>"./a/b" → ["a", "b"]; null for the root itself or anything absolute or with "..".</summary>
    internal static string[]? Normalize(string name)
    {
        var parts = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".").ToArray();
        if (parts.Length == 0 || parts.Any(part => part == ".." || part.Contains('\0', StringComparison.Ordinal)))
        {
            return null;
        }

        return parts;
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
