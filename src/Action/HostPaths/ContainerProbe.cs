namespace Gadugi.BuildExec.Action.HostPaths;

/// <summary>What this process can read about the container it may run in; tests substitute the texts.</summary>
public sealed record ContainerProbe
{
    public string? MountInfo { get; init; }

    public string? Cgroup { get; init; }

    public string? Hostname { get; init; }

    /// <summary>/.dockerenv exists: the engine created this process's root file system.</summary>
    public bool DockerEnvFile { get; init; }

    public static ContainerProbe FromProcess() => new()
    {
        MountInfo = TryRead("/proc/self/mountinfo"),
        Cgroup = TryRead("/proc/self/cgroup"),
        Hostname = TryRead("/etc/hostname")?.Trim() ?? Environment.MachineName,
        DockerEnvFile = File.Exists("/.dockerenv"),
    };

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
