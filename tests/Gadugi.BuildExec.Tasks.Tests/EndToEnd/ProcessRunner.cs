namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

internal sealed record ProcessResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

/// <summary>Runs child processes (dotnet new/pack/build/test) with a clean environment.</summary>
internal static class ProcessRunner
{
    // Set in this process by Microsoft.Build.Locator; child builds find their own SDK.
    public static readonly string[] Removed = ["MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "DOTNET_HOST_PATH", "VSTEST_HOST_DEBUG", "MSBUILDNOINPROCNODE"];

    public static async Task<ProcessResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        try
        {
            var result = await ChildProcess.RunAsync("dotnet", arguments, new ChildProcessOptions
            {
                WorkingDirectory = workingDirectory,
                Environment = environment,
                RemoveEnvironment = Removed,
                Timeout = TimeSpan.FromMinutes(10),
            });
            return new ProcessResult(result.ExitCode, result.Output);
        }
        catch (TimeoutException ex)
        {
            throw new AssertFailedException(ex.Message);
        }
    }
}
