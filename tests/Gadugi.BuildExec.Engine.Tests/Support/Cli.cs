namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>Runs the real gadugi-exec program as a child process, as a hook or a user would.</summary>
internal static class Cli
{
    public static string ProgramPath => Path.Combine(AppContext.BaseDirectory, "gadugi-exec.dll");

    public static Task<ChildProcessResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [ProgramPath, .. arguments], new ChildProcessOptions { WorkingDirectory = workingDirectory, Environment = environment, Stdin = stdin });

    public static Dictionary<string, string> AuditTo(string path) => new() { ["GADUGI_AUDIT_LOG"] = path };
}
