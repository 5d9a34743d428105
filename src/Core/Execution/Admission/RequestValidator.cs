namespace Gadugi.BuildExec.Core.Execution.Admission;

/// <summary>Checks a request before anything is created, so bad input fails early and clearly.</summary>
internal static class RequestValidator
{
    public static ExecutionRequest Validate(ExecutionRequest request, IReadOnlyList<string> engineSockets)
    {
        if (request.Command.Count == 0 || string.IsNullOrEmpty(request.Command[0]))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.NoCommand)));
        }

        var workingDirectory = Path.GetFullPath(request.WorkingDirectory);
        if (!Directory.Exists(workingDirectory))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.DirectoryMissing), "working directory", workingDirectory, "--workdir"));
        }

        // Mounted and checked as its real path: a link (one a sandbox planted, say) cannot make a
        // narrow-looking path mount the home directory or make the checks look at another directory.
        EngineSocketGuard.Check(workingDirectory, "--workdir", engineSockets);
        workingDirectory = RealDirectory(workingDirectory);
        RefuseHome(request, workingDirectory, "working directory", "--workdir");
        CheckTmpfs(request.Policy);

        string? input = null;
        if (request.InputDirectory is not null)
        {
            input = Path.GetFullPath(request.InputDirectory);
            if (!Directory.Exists(input))
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.DirectoryMissing), "input directory", input, "--input"));
            }

            EngineSocketGuard.Check(input, "--input", engineSockets);
            input = RealDirectory(input);
            RefuseHome(request, input, "input directory", "--input");
        }

        // Without a trailing separator: the output collector checks that each entry stays under it.
        var output = request.OutputDirectory is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.OutputDirectory));
        if (output is not null && File.Exists(output) && new FileInfo(output).LinkTarget is null)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.OutputDirectoryIsFile), output));
        }

        if (output is not null && Posix.Supported && LinkFreePath.Check(output, workingDirectory) is { } refusal)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.OutputDirectoryThroughLink), output, refusal.Reason));
        }

        if (ContainerUser(request.Policy) == ContainerSpecInput.SandboxUser)
        {
            RequireReadableByOthers(workingDirectory, "working directory");
            if (input is not null)
            {
                RequireReadableByOthers(input, "input directory");
            }
        }

        return request with
        {
            WorkingDirectory = workingDirectory,
            InputDirectory = input,
            OutputDirectory = output,
        };
    }

    private static string RealDirectory(string directory) =>
        Posix.Supported && Posix.RealPath(directory) is { } real ? real : directory;

    private static void RefuseHome(ExecutionRequest request, string directory, string role, string option)
    {
        if (!request.AllowHomeDirectory && WorkspaceBreadth.TooWide(directory) is { } what && what != "the file system root")
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.DirectoryIsHome), role, directory, what, option));
        }
    }

    /// <summary>A policy made in code skips the policy file's checks: its tmpfs paths are held to the same rules here.</summary>
    private static void CheckTmpfs(SandboxPolicy policy)
    {
        foreach (var path in policy.Tmpfs)
        {
            if (TmpfsPaths.Normalize(path) is { Path: null, Refusal: var refusal })
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.TmpfsPathReserved), policy.Name, policy.Source, path, refusal));
            }
        }
    }

    /// <summary>
    /// The sandbox user (uid 10001) sees a mounted directory through its "other" permission bits; a
    /// private directory would fail later with a bare "Permission denied" (exit 126).
    /// </summary>
    private static void RequireReadableByOthers(string directory, string role)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(directory);
        const UnixFileMode needed = UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if ((mode & needed) != needed)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.DirectoryNotReadableBySandbox), role, directory, Convert.ToString((int)mode, 8)));
        }
    }

    /// <summary>Names the caller passed that the policy does not allow; an empty list means all are allowed.</summary>
    public static IReadOnlyList<string> DeniedEnvironment(ExecutionRequest request) =>
        request.Environment.Keys.Where(name => !request.Policy.EnvAllowlist.Contains(name, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Throws GBX2009 when the caller passed a variable the policy does not allow.</summary>
    public static void EnforceEnvironmentAllowlist(ExecutionRequest request)
    {
        var denied = DeniedEnvironment(request);
        if (denied.Count > 0)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EnvironmentNotAllowed), string.Join(", ", denied), request.Policy.Name, request.Policy.Source));
        }
    }

    /// <summary>The sandbox user, or the caller's own non-root uid when the workspace is writable (so files stay theirs).</summary>
    public static string ContainerUser(SandboxPolicy policy) =>
        policy.Workspace == WorkspaceAccess.ReadWrite && HostUser.Uid != 0
            ? $"{HostUser.Uid}:{HostUser.Gid}"
            : ContainerSpecInput.SandboxUser;
}
