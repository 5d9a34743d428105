using Gadugi.BuildExec.Core.Diagnostics;

using Gadugi.BuildExec.Core.Host;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// Builds a recipe's root file system tarball with mmdebstrap (as root), streaming its output
/// lines. Cancelling stops mmdebstrap's whole process group and waits for it to unmount.
/// </summary>
public sealed class RootfsBuilder
{
    private const int KeptOutputLines = 15;

    private readonly string mmdebstrap;
    private readonly Func<bool> isRoot;

    /// <param name="mmdebstrap">Program name or path; looked up on PATH when it has no '/'.</param>
    /// <param name="isRoot">Whether this process runs as root; defaults to the real answer.</param>
    public RootfsBuilder(string mmdebstrap = "mmdebstrap", Func<bool>? isRoot = null)
    {
        this.mmdebstrap = mmdebstrap;
        this.isRoot = isRoot ?? (() => Environment.IsPrivilegedProcess);
    }

    /// <summary>How long mmdebstrap gets to clean up after a cancellation before its tree is killed.</summary>
    public TimeSpan CleanupGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Writes the rootfs of <paramref name="recipe"/> to <paramref name="outputTarball"/>.
    /// <paramref name="stagedPath"/> maps a recipe-tree path ("common/harden.sh") to its staged file.
    /// </summary>
    public async Task BuildAsync(
        ImageRecipe recipe,
        Func<string, string> stagedPath,
        string outputTarball,
        string temporaryDirectory,
        IProgress<string>? output,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var program = ExecutableLocator.Find(mmdebstrap)
            ?? throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.MmdebstrapMissing), recipe.Name, $"looked for '{mmdebstrap}'"));
        if (!isRoot())
        {
            throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.MmdebstrapNeedsRoot), recipe.Name));
        }

        var hookDirectory = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(program)!)!, "share", "mmdebstrap", "hooks", "merged-usr");
        var mergedUsr = Directory.Exists(hookDirectory) ? hookDirectory
            : Directory.Exists(MmdebstrapArguments.MergedUsrHookDirectory) ? MmdebstrapArguments.MergedUsrHookDirectory
            : null;
        var arguments = MmdebstrapArguments.For(recipe, stagedPath, outputTarball, mergedUsr);
        var environment = new Dictionary<string, string>(recipe.HookEnvironment, StringComparer.Ordinal)
        {
            ["TMPDIR"] = temporaryDirectory,
            ["GADUGI_RECIPE"] = recipe.Name,
            ["LC_ALL"] = "C.UTF-8",
        };

        var lastLines = new Queue<string>();
        void OnLine(string line)
        {
            if (line.Length == 0 || line.StartsWith("(Reading database", StringComparison.Ordinal))
            {
                return;
            }

            if (lastLines.Count == KeptOutputLines)
            {
                lastLines.Dequeue();
            }

            lastLines.Enqueue(line);
            output?.Report(line);
        }

        var exitCode = await GroupedProcess.RunAsync(program, arguments, environment, OnLine, CleanupGrace, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0 || !File.Exists(outputTarball) || new FileInfo(outputTarball).Length == 0)
        {
            var tail = string.Concat(lastLines.Select(line => Environment.NewLine + "  " + line)) + Environment.NewLine;
            throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.RootfsBuildFailed), recipe.Name, exitCode, tail, recipe.Suite));
        }
    }
}
