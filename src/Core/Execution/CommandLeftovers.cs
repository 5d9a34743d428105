using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// Ends the processes the command left running before /output is archived, so none can stop,
/// slow or feed the archiver (which runs as the command's uid, to read the command's files). One
/// fork-free exec as the command's uid sends SIGKILL to every process it may signal: all of the
/// command's, never the keeper's or the archiver's (another uid). A leftover could still catch this
/// exec before its kill; the caller gives it a few seconds and goes on without it.
/// </summary>
internal static class CommandLeftovers
{
    public static async Task EndAsync(IDockerClient docker, string containerId, string commandUser, CancellationToken cancellationToken)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters { Cmd = ["/bin/sh", "-c", "kill -9 -1"], Env = ["PATH=/usr/bin:/bin"], User = commandUser, AttachStdout = true, AttachStderr = true },
            cancellationToken).ConfigureAwait(false);
        using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
        await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
