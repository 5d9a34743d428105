using System.Diagnostics;
using System.Text;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>Runs the real gadugi-exec program as a child process, as a hook or a user would.</summary>
internal static class Cli
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static string ProgramPath => Path.Combine(AppContext.BaseDirectory, "gadugi-exec.dll");

    public static Task<Outcome> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] arguments) =>
        RunProcessAsync("dotnet", [ProgramPath, .. arguments], workingDirectory, environment, stdin);

    public static async Task<Outcome> RunProcessAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment, string? stdin)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    public static Dictionary<string, string> AuditTo(string path) => new() { ["GADUGI_AUDIT_LOG"] = path };
}
