using System.Collections;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Gadugi.BuildExec.Cli.Service;

namespace Gadugi.BuildExec.Client;

/// <summary>
/// The managed CLI beside this program, and the exec that turns this process into it: the same process
/// id, arguments, stdin, stdout, stderr and terminal, so signals and job control reach it as they reached
/// this process. It is told (<see cref="ClientHandoff"/>) that the service was tried, and why not.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static partial class ManagedCli
{
    /// <summary>The managed CLI's apphost: it loads gadugi-exec.dll beside it by the name built into it, not by its own.</summary>
    public const string FileName = "gadugi-exec-managed";

    /// <summary>The CLI's exit code for a failure of gadugi-exec itself (CliExitCodes.EngineOrPolicyError).</summary>
    public const int OwnFailure = 125;

    public static string PathBesideThis() => Path.Combine(AppContext.BaseDirectory, FileName);

    /// <summary>Becomes the managed CLI; returns (with GBX7020 said) only when the exec failed.</summary>
    public static int Exec(string program, string[] args, ServiceFallback fallback)
    {
        var argv = new List<string> { program };
        argv.AddRange(args);
        var environment = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if ((string)entry.Key != ClientHandoff.Variable)
            {
                environment.Add($"{entry.Key}={entry.Value}");
            }
        }

        environment.Add(ClientHandoff.Variable + "=" + ClientHandoff.Encode(fallback));
        var error = ExecVe(program, argv, environment);
        var reason = Marshal.GetPInvokeErrorMessage(error);
        Messages.Say("error", Messages.Format(Messages.Client, "ManagedCliNotStarted", program, reason));
        return OwnFailure;
    }

    /// <summary>execve(2); returns its errno (it returns only on failure).</summary>
    private static unsafe int ExecVe(string program, List<string> argv, List<string> environment)
    {
        var allocated = new List<nint>();
        try
        {
            var argvPointers = Terminated(argv, allocated);
            var environmentPointers = Terminated(environment, allocated);
            fixed (nint* argvPointer = argvPointers)
            fixed (nint* environmentPointer = environmentPointers)
            {
                _ = Execve(program, argvPointer, environmentPointer);
                return Marshal.GetLastPInvokeError();
            }
        }
        finally
        {
            foreach (var pointer in allocated)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
        }
    }

    /// <summary>The strings as a null-terminated array of UTF-8 C strings.</summary>
    private static nint[] Terminated(List<string> values, List<nint> allocated)
    {
        var pointers = new nint[values.Count + 1];
        for (var i = 0; i < values.Count; i++)
        {
            pointers[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            allocated.Add(pointers[i]);
        }

        return pointers;
    }

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Execve(string path, nint* argv, nint* environment);
}
