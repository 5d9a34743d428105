using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Action.HostPaths;

/// <summary>Where the container id was found, for messages.</summary>
public sealed record ContainerIdentity(string Id, string Source, bool Certain = true);

/// <summary>
/// Finds the id of the container this process runs in. In order: the engine's bind mounts of
/// /etc/hostname, /etc/hosts and /etc/resolv.conf in /proc/self/mountinfo (they live under
/// <c>…/containers/&lt;id&gt;/</c> on the host, whatever the cgroup or network mode); the cgroup path
/// (cgroup v1, or v2 without a private cgroup namespace); a hostname that looks like a short id
/// (not with --network host or --hostname).
/// </summary>
public static partial class OwnContainerLocator
{
    private static readonly string[] EngineManagedFiles = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"];

    [GeneratedRegex(@"/containers/(?<id>[0-9a-f]{64})/")]
    private static partial Regex ContainersDirectory();

    [GeneratedRegex(@"(?:/docker/|docker-|/libpod-|/crio-)(?<id>[0-9a-f]{64})(?:\.scope)?(?:/|$)", RegexOptions.Multiline)]
    private static partial Regex CgroupContainer();

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex ShortId();

    /// <summary>The container id, or null. <see cref="ContainerIdentity.Certain"/> is false for a hostname that only looks like an id.</summary>
    public static ContainerIdentity? Find(ContainerProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return FromMountInfo(probe.MountInfo) ?? FromCgroup(probe.Cgroup) ?? FromHostname(probe.Hostname);
    }

    internal static ContainerIdentity? FromMountInfo(string? mountInfo)
    {
        foreach (var line in (mountInfo ?? string.Empty).Split('\n'))
        {
            // id parent major:minor root mount-point options ... - fstype source super-options
            var fields = line.Split(' ');
            if (fields.Length < 5 || !EngineManagedFiles.Contains(fields[4], StringComparer.Ordinal))
            {
                continue;
            }

            var match = ContainersDirectory().Match(fields[3]);
            if (match.Success)
            {
                return new ContainerIdentity(match.Groups["id"].Value, $"/proc/self/mountinfo ({fields[4]})");
            }
        }

        return null;
    }

    internal static ContainerIdentity? FromCgroup(string? cgroup)
    {
        var match = CgroupContainer().Match(cgroup ?? string.Empty);
        return match.Success ? new ContainerIdentity(match.Groups["id"].Value, "/proc/self/cgroup") : null;
    }

    internal static ContainerIdentity? FromHostname(string? hostname) =>
        hostname is not null && ShortId().IsMatch(hostname) ? new ContainerIdentity(hostname, "the hostname", Certain: false) : null;
}
