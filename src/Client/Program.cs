using System.Runtime.Versioning;
using Gadugi.BuildExec.Cli.Service;

[assembly: SupportedOSPlatform("linux")]

namespace Gadugi.BuildExec.Client;

/// <summary>
/// <c>gadugi-exec</c>'s native front end: a run the background service serves costs this process only its
/// start-up (no runtime to load, no JIT); anything else becomes the managed CLI, in this same process.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class Program
{
    public static int Main(string[] args)
    {
        var managed = ManagedCli.PathBesideThis();
        ThinClient.ServiceProgram = managed;
        var (exitCode, fallback) = Serve(args);
        return exitCode ?? ManagedCli.Exec(managed, args, fallback ?? ServiceFallback.Quiet);
    }

    /// <summary>
    /// As the managed CLI's: the client's own trouble before the service accepted the command line goes the
    /// direct way (GBX7002), never an unhandled exit a hook's caller would take as "go ahead". After
    /// acceptance, ThinClient maps every failure itself.
    /// </summary>
    private static (int? ExitCode, ServiceFallback? Fallback) Serve(string[] args)
    {
        try
        {
            return ThinClient.Run(args);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (null, new ServiceFallback("ServiceNotStarted", $"{Environment.GetEnvironmentVariable(ServiceLocation.DirectoryVariable) ?? "$" + ServiceLocation.DirectoryVariable}\n{ex.GetType().Name}: {ex.Message}"));
        }
    }
}
