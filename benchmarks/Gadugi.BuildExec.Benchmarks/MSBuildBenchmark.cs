using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gadugi.BuildExec.Testing;

namespace Gadugi.BuildExec.Benchmarks;

/// <summary>
/// The MSBuild integration beside its host baseline, on projects made with 'dotnet new' that reference
/// the package packed from this repository: 'dotnet test --no-build' on the host against
/// ContainerizedTest=true, and 'dotnet build --no-restore' on the host against ContainerizedBuild=true.
/// Figures, not assertions (formerly the Tasks tests' Measure_containerized_against_host_test_run).
/// Needs the images gadugi/dotnet-sdk:&lt;SDK&gt; ('gadugi-exec images build dotnet-sdk').
/// </summary>
internal static class MSBuildBenchmark
{
    private const string Version = "0.0.0-bench";

    public static async Task<int> RunAsync(int iterations)
    {
        var root = Directory.CreateTempSubdirectory("gadugi-msbuild-bench-").FullName;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(root, "packages"),
                ["GADUGI_AUDIT_LOG"] = Path.Combine(root, "audit.jsonl"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["MSBUILDDISABLENODEREUSE"] = "1",
            };
            var feed = Path.Combine(root, "feed");
            await CheckAsync(root, environment, "pack", Path.Combine(RepositoryRoot(), "src", "Tasks"), "-c", "Release", "-o", feed, "-p:Version=" + Version);
            await File.WriteAllTextAsync(Path.Combine(root, "nuget.config"), LocalFeedNuGetConfig.For(feed));

            var tests = Path.Combine(root, "Bench.Tests");
            var library = Path.Combine(root, "Bench.Library");
            await CheckAsync(root, environment, "new", "mstest", "-n", "Bench.Tests", "-o", tests, "--no-restore");
            await CheckAsync(root, environment, "new", "classlib", "-n", "Bench.Library", "-o", library, "--no-restore");
            foreach (var project in new[] { Path.Combine(tests, "Bench.Tests.csproj"), Path.Combine(library, "Bench.Library.csproj") })
            {
                var text = await File.ReadAllTextAsync(project);
                await File.WriteAllTextAsync(project, text.Replace("</Project>", $"<ItemGroup><PackageReference Include=\"Gadugi.BuildExec\" Version=\"{Version}\" PrivateAssets=\"all\" /></ItemGroup></Project>", StringComparison.Ordinal));
            }

            await CheckAsync(tests, environment, "build");
            await CheckAsync(library, environment, "build");

            Console.WriteLine($"MSBuild integration: {iterations} iterations each, SDK image gadugi/dotnet-sdk, {Environment.ProcessorCount} CPUs");
            Console.WriteLine();
            var testRun = new ResultTable();
            testRun.Add("dotnet test --no-build (host)", await Measure.RepeatAsync("dotnet test --no-build (host)", iterations, () => DotnetAsync(tests, environment, "test", "--no-build")));
            var before = AuditRecords(environment).Count;
            testRun.Add("ContainerizedTest=true", await Measure.RepeatAsync("ContainerizedTest=true", iterations, () => DotnetAsync(tests, environment, "test", "--no-build", "-p:ContainerizedTest=true")));
            testRun.Print("Test run: the 'dotnet new mstest' project (1 test)");
            PrintSandboxShare(AuditRecords(environment).Skip(before));

            var build = new ResultTable();
            build.Add("dotnet build --no-restore (host)", await Measure.RepeatAsync("dotnet build --no-restore (host)", iterations, () => DotnetAsync(library, environment, "build", "--no-restore", "--no-incremental")));
            before = AuditRecords(environment).Count;
            build.Add("ContainerizedBuild=true", await Measure.RepeatAsync("ContainerizedBuild=true", iterations, () => DotnetAsync(library, environment, "build", "--no-restore", "--no-incremental", "-p:ContainerizedBuild=true")));
            build.Print("Build: the 'dotnet new classlib' project (full compile)");
            PrintSandboxShare(AuditRecords(environment).Skip(before));
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void PrintSandboxShare(IEnumerable<JsonElement> records)
    {
        var results = records.Select(r => r.GetProperty("result")).ToArray();
        if (results.Length == 0)
        {
            return;
        }

        var wall = results.Select(r => r.GetProperty("wall_ms").GetInt64()).Order().ToArray();
        var total = results.Select(r => r.GetProperty("total_ms").GetInt64()).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  in the sandbox (p50): command {wall[wall.Length / 2]} ms, with container set-up and removal {total[total.Length / 2]} ms"));
        Console.WriteLine();
    }

    private static List<JsonElement> AuditRecords(Dictionary<string, string> environment)
    {
        var path = environment["GADUGI_AUDIT_LOG"];
        return File.Exists(path)
            ? File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList()
            : [];
    }

    private static async Task CheckAsync(string workingDirectory, Dictionary<string, string> environment, params string[] arguments)
    {
        var outcome = await DotnetAsync(workingDirectory, environment, arguments);
        if (outcome.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {outcome.ExitCode}:\n{outcome.Stdout}\n{outcome.Stderr}");
        }
    }

    private static async Task<ProcessOutcome> DotnetAsync(string workingDirectory, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] is "build" or "test" or "pack")
        {
            start.ArgumentList.Add("-nodeReuse:false");
            start.ArgumentList.Add("--disable-build-servers");
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ProcessOutcome(process.ExitCode, await stdout, await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gadugi.BuildExec.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run the benchmark from the repository's build output (no Gadugi.BuildExec.sln above " + AppContext.BaseDirectory + ").");
    }
}
