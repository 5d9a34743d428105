using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// Whether any process of the command's uid is still running in the sandbox, asked as the
/// sandbox's own uid. The executor runs a program as the command's uid after the command only when
/// none is: a process of that uid can stop the runtime's own init while it enters the sandbox for
/// the exec (after it took the uid, before it runs the program), and the engine's exec, and with it
/// every later exec into that sandbox, then waits forever.
/// </summary>
internal static class CommandProcesses
{
    // The real uid of every process, with shell builtins only (no fork: the sandbox may be at its pids limit).
    private const string Script = """
        for f in /proc/[0-9]*/status; do
          while read -r key real rest; do
            if [ "$key" = Uid: ]; then echo "$real"; break; fi
          done < "$f"
        done 2>/dev/null
        exit 0
        """;

    /// <summary>True when a process of <paramref name="commandUser"/> runs, or when that cannot be told.</summary>
    public static async Task<bool> AnyLeftAsync(IDockerClient docker, string containerId, string commandUser, string keeperUser, CancellationToken cancellationToken)
    {
        var uid = commandUser.Split(':')[0];
        try
        {
            var exec = await docker.Exec.CreateContainerExecAsync(
                containerId,
                new ContainerExecCreateParameters { Cmd = ["/bin/sh", "-c", Script], Env = ["PATH=/usr/bin:/bin"], User = keeperUser, AttachStdout = true, AttachStderr = true },
                cancellationToken).ConfigureAwait(false);
            using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
            var (stdout, _) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
            var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID, cancellationToken).ConfigureAwait(false);
            var uids = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return inspect.ExitCode != 0 || uids.Length == 0 || uids.Contains(uid, StringComparer.Ordinal);
        }
        catch (DockerApiException)
        {
            return true;
        }
    }
}
