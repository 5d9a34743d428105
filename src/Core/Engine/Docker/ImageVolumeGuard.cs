using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// An image's VOLUME makes the engine mount a writable directory of its host into the container
/// (an anonymous volume): past the read-only root, outside the disk limit, and left behind as a
/// dangling volume. The engine skips a declared volume only where the container already mounts
/// something at exactly that path, so a sandbox is created only when each is covered by one of its
/// own mounts (a policy tmpfs, /output, /workspace, /input); and it is checked again on the created
/// container, which would also catch an image retagged in between.
/// </summary>
internal static class ImageVolumeGuard
{
    /// <summary>Throws GBX3103 when the image declares a volume the spec does not cover.</summary>
    public static void CheckDeclared(IReadOnlyCollection<string> declaredVolumes, CreateContainerParameters spec, SandboxPolicy policy)
    {
        var covered = new HashSet<string>(StringComparer.Ordinal);
        covered.UnionWith(spec.HostConfig?.Tmpfs?.Keys.Select(Clean) ?? []);
        covered.UnionWith(spec.HostConfig?.Mounts?.Select(mount => Clean(mount.Target ?? string.Empty)) ?? []);
        var uncovered = declaredVolumes.Where(volume => !covered.Contains(Clean(volume))).Order(StringComparer.Ordinal).ToArray();
        if (uncovered.Length > 0)
        {
            throw Refusal(policy, uncovered);
        }
    }

    /// <summary>Throws GBX3103 when the created container has a volume mount after all.</summary>
    public static void CheckCreated(ContainerInspectResponse container, SandboxPolicy policy)
    {
        var volumes = container.Mounts?.Where(mount => string.Equals(mount.Type, "volume", StringComparison.Ordinal)).Select(mount => mount.Destination).Order(StringComparer.Ordinal).ToArray() ?? [];
        if (volumes.Length > 0)
        {
            throw Refusal(policy, volumes);
        }
    }

    private static GadugiException Refusal(SandboxPolicy policy, IReadOnlyList<string> volumes) =>
        new(Diagnostic.Create(nameof(DiagnosticMessages.ImageDeclaresVolume), policy.Image, policy.Name, policy.Source, string.Join(", ", volumes)));

    /// <summary>The path as the engine compares it (Go's filepath.Clean: no "//", ".", ".." or trailing "/").</summary>
    internal static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }
}
