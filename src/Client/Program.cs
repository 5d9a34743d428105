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
        var (exitCode, fallback) = ThinClient.Run(args);
        return exitCode ?? ManagedCli.Exec(managed, args, fallback ?? ServiceFallback.Quiet);
    }
}
