using Microsoft.Extensions.FileSystemGlobbing;

namespace Gadugi.BuildExec.Action.TestReports;

/// <summary>
/// Finds and reads the test result files the steps left: the 'test_results' patterns, plus the TRX
/// files ContainerizedTest writes (<c>**/TestResults/*.trx</c>) when they were written during this run.
/// Steps ran untrusted code, so the search never follows a symbolic link (a link could point at the
/// runner's files outside the workspace) and reads only regular files of bounded size and number.
/// </summary>
public static class TestResultFiles
{
    public const string ContainerizedTestPattern = "**/TestResults/*.trx";

    public const int MaxFiles = 100;

    private const int MaxEntries = 200_000;

    public static TestResultSummary Read(string workspace, string workingDirectory, IReadOnlyList<string> patterns, DateTimeOffset runStarted)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var relative = ListFiles(workingDirectory);
        var chosen = new SortedSet<string>(StringComparer.Ordinal);
        if (patterns.Count > 0)
        {
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddIncludePatterns(patterns);
            chosen.UnionWith(matcher.Match(workingDirectory, relative).Files.Select(match => match.Path));
        }

        var containerized = new Matcher(StringComparison.Ordinal);
        containerized.AddInclude(ContainerizedTestPattern);
        chosen.UnionWith(containerized.Match(workingDirectory, relative).Files.Select(match => match.Path)
            .Where(path => File.GetLastWriteTimeUtc(Path.Combine(workingDirectory, path)) >= runStarted.UtcDateTime.AddSeconds(-2)));

        var summary = TestResultSummary.None;
        foreach (var path in chosen.Take(MaxFiles))
        {
            var full = Path.Combine(workingDirectory, path);
            var display = Path.GetRelativePath(workspace, full).Replace('\\', '/');
            try
            {
                var info = new FileInfo(full);
                if (info.LinkTarget is not null || info.Length > TestResultReader.MaxFileBytes)
                {
                    summary = summary.Add(new TestResultSummary { Problems = [$"{display}: not read (a symbolic link, or larger than {TestResultReader.MaxFileBytes / (1024 * 1024)} MB)"] });
                    continue;
                }

                using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
                summary = summary.Add(TestResultReader.Read(stream, display));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Xml.XmlException or InvalidDataException)
            {
                summary = summary.Add(new TestResultSummary { Problems = [$"{display}: {ex.Message}"] });
            }
        }

        if (chosen.Count > MaxFiles)
        {
            summary = summary.Add(new TestResultSummary { Problems = [$"{chosen.Count - MaxFiles} more result file(s) matched and were not read (at most {MaxFiles})"] });
        }

        return summary;
    }

    /// <summary>Every regular file below the directory, '/'-separated and relative, without entering or listing symbolic links.</summary>
    private static List<string> ListFiles(string directory)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
            ReturnSpecialDirectories = false,
        };
        return Directory.EnumerateFiles(directory, "*", options)
            .Take(MaxEntries)
            .Select(path => Path.GetRelativePath(directory, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith(".git/", StringComparison.Ordinal))
            .ToList();
    }
}
