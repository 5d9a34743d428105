using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Execution.Admission;

/// <summary>
/// Refuses an input directory larger than the policy's <c>input_limit</c> before anything runs.
/// Sizes are summed without following symbolic links (a link counts as itself, not its target),
/// and a sparse file counts at its full apparent length: what the sandbox could read.
/// </summary>
internal static class InputSizeCheck
{
    public static void Enforce(ExecutionRequest request)
    {
        if (request.InputDirectory is not { } input)
        {
            return;
        }

        var limit = request.Policy.InputLimitBytes;
        var (bytes, files) = Measure(input, stopAbove: limit);
        if (bytes > limit)
        {
            throw new GadugiException(Diagnostic.Create(
                nameof(DiagnosticMessages.InputTooLarge),
                input,
                bytes,
                files,
                request.Policy.Name,
                PolicyValueParser.FormatSize(limit),
                request.Policy.Source));
        }
    }

    /// <summary>Total apparent size and file count; stops counting once past <paramref name="stopAbove"/>.</summary>
    internal static (long Bytes, long Files) Measure(string root, long stopAbove = long.MaxValue)
    {
        long bytes = 0;
        long files = 0;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0, ReturnSpecialDirectories = false };
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos("*", options))
            {
                if (entry.LinkTarget is not null)
                {
                    files++;
                    continue;
                }

                if (entry is DirectoryInfo directory)
                {
                    pending.Push(directory);
                    continue;
                }

                files++;
                bytes += ((FileInfo)entry).Length;
                if (bytes > stopAbove)
                {
                    return (bytes, files);
                }
            }
        }

        return (bytes, files);
    }
}
