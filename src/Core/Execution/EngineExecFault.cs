using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// Tells an engine that cannot run commands from a command that failed. When the runtime fails to
/// start an exec, the engine writes its error into the exec's stdout and reports exit 126 with no
/// process (pid 0). When runc itself got as far as the exec it says "exec failed: …": a missing or
/// non-executable command ("unable to start container process", the command's fault: the caller
/// sees exit 126, as with docker exec) or a sandbox that had just stopped ("cannot exec in a stopped
/// container", judged by how it stopped). Failing before that is the engine's fault, e.g. runc
/// unable to write its process file into a temporary folder that no longer exists.
/// </summary>
internal static class EngineExecFault
{
    private const string RuntimePrefix = "OCI runtime exec failed";

    private const string RuncGotToTheExec = RuntimePrefix + ": exec failed:";

    /// <summary>The engine's own message when the exec failed inside the engine; null otherwise.</summary>
    public static string? Detect(ContainerExecInspectResponse inspect, string stdout)
    {
        if (inspect.Running || inspect.Pid != 0 || inspect.ExitCode != 126)
        {
            return null;
        }

        var message = stdout.Trim();
        return message.StartsWith(RuntimePrefix, StringComparison.Ordinal) && !message.StartsWith(RuncGotToTheExec, StringComparison.Ordinal)
            ? message
            : null;
    }
}
