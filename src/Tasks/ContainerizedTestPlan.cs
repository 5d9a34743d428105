using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>What the containerized test run needs to know about the project (host paths).</summary>
public sealed record ContainerizedTestInput
{
    public required string ProjectName { get; init; }

    public required string ProjectDirectory { get; init; }

    /// <summary>The built test assembly ($(TargetPath)).</summary>
    public required string TargetPath { get; init; }

    /// <summary>Directory mounted at /workspace; default: the project directory, or the nearest directory holding both it and the output.</summary>
    public string? Workspace { get; init; }

    /// <summary>Name of the TRX file written to /output.</summary>
    public required string TrxFileName { get; init; }

    public string? TestCaseFilter { get; init; }

    /// <summary>A .runsettings file; it must be inside the workspace.</summary>
    public string? RunSettings { get; init; }

    /// <summary>Console logger verbosity inside the sandbox (quiet, minimal, normal, detailed).</summary>
    public string? Verbosity { get; init; }

    /// <summary>The user's home directory, which a computed workspace must not be or contain; default: the current user's.</summary>
    public string? Home { get; init; }

    /// <summary>The host package folder mounted at /input, if any.</summary>
    public string? PackagesDirectory { get; init; }

    /// <summary>What dotnet test's --collect, --logger, --blame* and --diag asked for (VSTestCollect, VSTestLogger, …).</summary>
    public TestRunForwarding Forwarding { get; init; } = new();
}

/// <summary>dotnet test options the containerized run passes on; their attachments come back through /output.</summary>
public sealed record TestRunForwarding
{
    /// <summary>Data collectors (--collect), e.g. "XPlat Code Coverage".</summary>
    public IReadOnlyList<string> Collect { get; init; } = [];

    /// <summary>Loggers (--logger), e.g. "html;LogFileName=tests.html"; their files land in /output.</summary>
    public IReadOnlyList<string> Loggers { get; init; } = [];

    public bool Blame { get; init; }

    public bool BlameCrash { get; init; }

    public bool BlameHang { get; init; }

    public string? BlameHangDumpType { get; init; }

    public string? BlameHangTimeout { get; init; }

    /// <summary>The host file --diag names; written to /output/diag/ in the sandbox, and back in the results directory.</summary>
    public string? Diag { get; init; }

    /// <summary>Where the test platform finds adapters and data collectors ($(VSTestTestAdapterPath), e.g. coverlet.collector's build folder).</summary>
    public IReadOnlyList<string> TestAdapterPaths { get; init; } = [];
}

/// <summary>The argv and mounts of a containerized test run.</summary>
public sealed record ContainerizedTestPlan(string Workspace, IReadOnlyList<string> Arguments, IReadOnlyList<string> Environment);

/// <summary>
/// Plans <c>dotnet test</c> against the already-built test assembly in a read-only workspace:
/// <c>dotnet test /workspace/…/X.dll --results-directory /output --logger trx;LogFileName=… --logger console;…</c>.
/// Nothing is restored or built in the sandbox, so nothing is written to the workspace; the TRX goes
/// to /output, which the executor copies to the host's results directory.
/// </summary>
public static class ContainerizedTestPlanner
{
    public const string ContainerOutput = "/output";
    public const string ContainerInput = "/input";

    /// <summary>Variables for the SDK in a sandbox whose only writable places are /tmp and /output.</summary>
    public static readonly IReadOnlyList<string> SdkEnvironment =
    [
        "DOTNET_CLI_HOME=/tmp",
        "DOTNET_CLI_TELEMETRY_OPTOUT=1",
        "DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1",
        "DOTNET_NOLOGO=1",
        "DOTNET_GENERATE_ASPNET_CERTIFICATE=false",
        "DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1",
    ];

    public static ContainerizedTestPlan Plan(ContainerizedTestInput input, bool packagesMounted)
    {
        ArgumentNullException.ThrowIfNull(input);
        var targetPath = Path.GetFullPath(input.TargetPath);
        if (!File.Exists(targetPath))
        {
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.ContainerizedTestAssemblyMissing), targetPath, input.ProjectName));
        }

        var workspace = ChooseWorkspace(input, targetPath);
        var arguments = new List<string>
        {
            "dotnet", "test", ToContainerPath(workspace, targetPath),
            "--results-directory", ContainerOutput,
            "--logger", "trx;LogFileName=" + input.TrxFileName,
            "--logger", "console;verbosity=" + (string.IsNullOrWhiteSpace(input.Verbosity) ? "normal" : input.Verbosity.Trim()),
        };
        if (!string.IsNullOrWhiteSpace(input.TestCaseFilter))
        {
            arguments.AddRange(["--filter", input.TestCaseFilter]);
        }

        if (!string.IsNullOrWhiteSpace(input.RunSettings))
        {
            arguments.AddRange(["--settings", ToContainerPath(workspace, Path.GetFullPath(input.RunSettings, input.ProjectDirectory))]);
        }

        arguments.AddRange(ForwardedArguments(input.Forwarding, input.ProjectName));
        foreach (var adapterPath in AdapterPaths(input, workspace))
        {
            arguments.AddRange(["--test-adapter-path", adapterPath]);
        }

        var environment = SdkEnvironment.ToList();
        if (packagesMounted)
        {
            environment.Add("NUGET_PACKAGES=" + ContainerInput);
        }

        return new ContainerizedTestPlan(workspace, arguments, environment);
    }

    /// <summary>The --collect, --logger, --blame* and --diag arguments; GBX4019 for what a sandbox cannot do.</summary>
    internal static IEnumerable<string> ForwardedArguments(TestRunForwarding forwarding, string projectName)
    {
        // Dumps are taken by attaching to the test host (ptrace), which the sandbox's seccomp profile denies.
        if (forwarding.BlameCrash)
        {
            throw Unsupported("--blame-crash", projectName, "a crash dump needs ptrace on the test host, which the sandbox denies; use --blame (the sequence of tests that ran) or --blame-hang-dump-type none");
        }

        if (forwarding.BlameHang && !string.Equals(forwarding.BlameHangDumpType?.Trim(), "none", StringComparison.OrdinalIgnoreCase))
        {
            throw Unsupported($"--blame-hang-dump-type {(string.IsNullOrWhiteSpace(forwarding.BlameHangDumpType) ? "full (the default)" : forwarding.BlameHangDumpType.Trim())}", projectName, "a hang dump needs ptrace on the test host, which the sandbox denies; use --blame-hang-dump-type none (the hanging test is still named and killed)");
        }

        foreach (var collector in forwarding.Collect.Where(c => !string.IsNullOrWhiteSpace(c)))
        {
            yield return "--collect";
            yield return collector.Trim();
        }

        foreach (var logger in forwarding.Loggers.Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            yield return "--logger";
            yield return logger.Trim();
        }

        if (forwarding.Blame || forwarding.BlameHang)
        {
            yield return "--blame";
        }

        if (forwarding.BlameHang)
        {
            yield return "--blame-hang-dump-type";
            yield return "none";
            if (!string.IsNullOrWhiteSpace(forwarding.BlameHangTimeout))
            {
                yield return "--blame-hang-timeout";
                yield return forwarding.BlameHangTimeout.Trim();
            }
        }

        if (!string.IsNullOrWhiteSpace(forwarding.Diag))
        {
            yield return "--diag";
            yield return ContainerOutput + "/diag/" + Path.GetFileName(forwarding.Diag.Trim());
        }
    }

    /// <summary>Each adapter path as the sandbox sees it: in the package folder at /input, or in the workspace.</summary>
    private static IEnumerable<string> AdapterPaths(ContainerizedTestInput input, string workspace)
    {
        var packages = string.IsNullOrWhiteSpace(input.PackagesDirectory) ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(input.PackagesDirectory));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in input.Forwarding.TestAdapterPaths.Where(p => !string.IsNullOrWhiteSpace(p)))
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path.Trim(), input.ProjectDirectory));
            var mapped = packages is not null && IsUnder(packages, full)
                ? ContainerInput + "/" + Path.GetRelativePath(packages, full).Replace(Path.DirectorySeparatorChar, '/')
                : IsUnder(workspace, full)
                    ? ToContainerPath(workspace, full)
                    : throw Unsupported("the test adapter path '" + full + "'", input.ProjectName, "it is neither in the package folder mounted at /input nor in the workspace, so the sandbox cannot load the adapters or data collectors there (restore so the package is in the package folder, or set ContainerizedTestWorkspace to a directory that holds it)");
            if (seen.Add(mapped))
            {
                yield return mapped;
            }
        }
    }

    private static bool IsUnder(string directory, string path) =>
        path == directory || path.StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static GadugiException Unsupported(string option, string projectName, string reason) =>
        new(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.ContainerizedTestOptionUnsupported), option, projectName, reason));

    /// <summary>The host path as seen in the sandbox, where <paramref name="workspace"/> is /workspace.</summary>
    public static string ToContainerPath(string workspace, string hostPath)
    {
        var relative = Path.GetRelativePath(workspace, hostPath);
        if (relative == ".")
        {
            return WorkspacePaths.ContainerWorkspace;
        }

        if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith("../", StringComparison.Ordinal))
        {
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.ContainerizedTestOutsideWorkspace), hostPath, workspace));
        }

        return WorkspacePaths.ContainerWorkspace + "/" + relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static string ChooseWorkspace(ContainerizedTestInput input, string targetPath)
    {
        if (!string.IsNullOrWhiteSpace(input.Workspace))
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(input.Workspace, input.ProjectDirectory));
        }

        var project = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input.ProjectDirectory));
        var output = Path.GetDirectoryName(targetPath)!;
        var common = CommonAncestor(project, output);
        WorkspaceGuard.EnsureNarrow(common, input.ProjectName, "ContainerizedTestWorkspace", input.Home);
        return common;
    }

    internal static string CommonAncestor(string first, string second)
    {
        var a = first.Split(Path.DirectorySeparatorChar);
        var b = second.Split(Path.DirectorySeparatorChar);
        var shared = a.Zip(b).TakeWhile(pair => pair.First == pair.Second).Count();
        var joined = string.Join(Path.DirectorySeparatorChar, a.Take(shared));
        return joined.Length == 0 ? Path.DirectorySeparatorChar.ToString() : joined;
    }
}
