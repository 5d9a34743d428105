using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// Tells an engine that cannot run commands from a command that failed. When the runtime fails to
/// start an exec, the engine writes its error into the exec's stdout and reports exit 126 with no
/// process (pid 0). A missing or non-executable command looks alike, but the runtime then says
/// "unable to start container process": that is the command's fault (the caller sees exit 126, as
/// with docker exec). Anything else is the engine's, e.g. runc failing to write its process file
/// into a temporary folder that no longer exists.
/// </summary>
internal static class EngineExecFault
{
    private const string RuntimePrefix = "OCI runtime exec failed";

    private const string CommandCouldNotStart = "unable to start container process";

    /// <summary>The engine's own message when the exec failed inside the engine; null otherwise.</summary>
    public static string? Detect(ContainerExecInspectResponse inspect, string stdout)
    {
        if (inspect.Running || inspect.Pid != 0 || inspect.ExitCode != 126)
        {
            return null;
        }

        var message = stdout.Trim();
        return message.StartsWith(RuntimePrefix, StringComparison.Ordinal) && !message.Contains(CommandCouldNotStart, StringComparison.Ordinal)
            ? message
            : null;
    }
}
