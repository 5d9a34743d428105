using System.Diagnostics;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// A test's own directory for runs through the background service: the workspace (0755), with the
/// service's directory and the audit log inside it. Its end stops the services it started (a
/// stopped one continued first, then SIGTERM, which removes its prepared sandboxes; killed after a
/// minute) and deletes it: each test class's cleanup calls <see cref="StopServicesAndDelete"/>.
/// </summary>
internal sealed class ServiceWorkspace
{
    public ServiceWorkspace(string prefix)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0x1ED);
        ServiceDirectory = Path.Combine(Root, ".service");
        AuditLog = Path.Combine(Root, ".audit", "audit.jsonl");
    }

    public string Root { get; }

    public string ServiceDirectory { get; }

    public string AuditLog { get; }

    public void StopServices()
    {
        foreach (var pid in ServiceProcesses.Pids(ServiceDirectory))
        {
            try
            {
                using var service = Process.GetProcessById(pid);
                ServiceProcesses.Signal("CONT", pid);
                ServiceProcesses.Signal("TERM", pid);
                if (!service.WaitForExit(60_000))
                {
                    service.Kill();
                    service.WaitForExit(10_000);
                }
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    public void StopServicesAndDelete()
    {
        StopServices();
        Directory.Delete(Root, recursive: true);
    }
}
