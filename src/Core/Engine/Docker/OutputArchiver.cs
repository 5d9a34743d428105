using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>Archives a sandbox's /output with tar inside the sandbox, streamed out through exec.</summary>
internal static class OutputArchiver
{
    /// <summary>How long the step that opens the command's files to the archiver may take before collection goes on without it.</summary>
    private static readonly TimeSpan HelperStepLimit = TimeSpan.FromSeconds(10);

    private static async Task RunQuietlyAsync(IDockerClient docker, string containerId, string user, IList<string> command, CancellationToken cancellationToken)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters { Cmd = command, Env = ["PATH=/usr/bin:/bin", "LC_ALL=C"], User = user, AttachStdout = true, AttachStderr = true },
            cancellationToken).ConfigureAwait(false);
        using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
        await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the archive; returns why it is incomplete (tar failed or could not start), or null.</summary>
    public static async Task<string?> ArchiveAsync(IDockerClient docker, string containerId, string user, string archiverUser, Stream archive, long maxBytes, CancellationToken cancellationToken)
    {
        // The command may have made its own files unreadable; as their owner we can open them to the
        // archiver, another uid. That takes an exec as the command's uid, made only when nothing of the
        // command is left running (CommandProcesses says why); otherwise unreadable files are refused
        // and reported. Execs without a shell that need not fork, so leftovers at the process limit
        // (or at gVisor's RLIMIT_NPROC) do not stop the collection. Absolute paths and a fixed PATH:
        // the command must not get its own 'tar' run (the archive is still read as hostile input).
        if (!await CommandProcesses.AnyLeftAsync(docker, containerId, user, archiverUser, cancellationToken).ConfigureAwait(false))
        {
            using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            step.CancelAfter(HelperStepLimit);
            try
            {
                await RunQuietlyAsync(docker, containerId, user, ["/bin/chmod", "-R", "a+rX", "/output"], step.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (step.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException)
            {
                // Slow beyond reason: the archiver reports what it cannot read.
            }
        }

        var listing = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters
            {
                Cmd = ["/bin/tar", "-C", "/output", "-cf", "-", "."],
                Env = ["PATH=/usr/bin:/bin", "LC_ALL=C"],
                User = archiverUser,
                AttachStdout = true,
                AttachStderr = true,
            },
            cancellationToken).ConfigureAwait(false);
        using var stream = await docker.Exec.StartContainerExecAsync(listing.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
        var buffer = new byte[81920];
        var errors = new System.Text.StringBuilder();
        long written = 0;
        var archiveLimit = maxBytes + (maxBytes / 4) + (1024 * 1024);
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF)
            {
                break;
            }

            if (read.Target != MultiplexedStream.TargetStream.StandardOut)
            {
                if (errors.Length < 1024)
                {
                    errors.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(read.Count, 1024)));
                }

                continue;
            }

            written += read.Count;
            if (written > archiveLimit)
            {
                // The extractor reports the size limit; a cut-off archive is expected here.
                return null;
            }

            await archive.WriteAsync(buffer.AsMemory(0, read.Count), cancellationToken).ConfigureAwait(false);
        }

        var inspect = await docker.Exec.InspectContainerExecAsync(listing.ID, cancellationToken).ConfigureAwait(false);
        return inspect.ExitCode == 0 ? null : $"the archiver exited with code {inspect.ExitCode}{(errors.Length > 0 ? ": " + errors.ToString().Trim() : string.Empty)}";
    }
}
