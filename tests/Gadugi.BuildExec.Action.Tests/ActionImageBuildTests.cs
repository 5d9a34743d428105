using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>eng/build-action-image.sh removes what a failed build created: no exited step container, no intermediate image.</summary>
[TestClass]
public sealed partial class ActionImageBuildTests
{
    public TestContext TestContext { get; set; } = null!;

    [GeneratedRegex(@"^ ---> Running in (?<id>[0-9a-f]{12,})$", RegexOptions.Multiline)]
    private static partial Regex StepContainer();

    [GeneratedRegex(@"^ ---> (?<id>[0-9a-f]{12,})$")]
    private static partial Regex StepImage();

    /// <summary>The images the classic builder's log says this build committed: every step's but a FROM's (the base) and a cached one's.</summary>
    private static List<string> CreatedImages(string log)
    {
        var created = new List<string>();
        var previous = string.Empty;
        var afterFrom = false;
        foreach (var line in log.Split('\n'))
        {
            if (Regex.IsMatch(line, @"^Step \d+/\d+ : FROM ", RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                afterFrom = true;
            }

            if (StepImage().Match(line) is { Success: true } match)
            {
                if (!afterFrom && previous != " ---> Using cache")
                {
                    created.Add(match.Groups["id"].Value);
                }

                afterFrom = false;
            }

            previous = line;
        }

        return created;
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task A_build_that_fails_to_compile_leaves_no_container_and_no_image_behind()
    {
        await ActionImage.EnsureAsync();
        using var copy = new TempDirectory();
        foreach (var file in new[] { "Dockerfile", ".dockerignore", "global.json", "Directory.Build.props", "Directory.Packages.props", "eng/build-action-image.sh" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(copy.Combine(file))!);
            File.Copy(RepoFiles.Path(file), copy.Combine(file));
        }

        foreach (var folder in new[] { "src/Core", "src/Images", "src/Action", "images" })
        {
            CopyTree(RepoFiles.Path(folder), copy.Combine(folder));
        }

        File.AppendAllText(copy.Combine("src/Action/Program.cs"), "\nthis line is not C#\n");
        var tag = "gadugi/action:failing-build-" + Guid.NewGuid().ToString("N")[..8];

        var build = await ChildProcess.RunAsync("bash", [copy.Combine("eng/build-action-image.sh")], new ChildProcessOptions
        {
            Environment = new Dictionary<string, string> { ["GADUGI_ACTION_IMAGE"] = tag, ["GADUGI_ACTION_BASE"] = "local" },
            WorkingDirectory = copy.Path,
            Timeout = TimeSpan.FromMinutes(12),
        }, TestContext.CancellationToken);

        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        Assert.Contains("Program.cs", build.Output, "the build failed where the test broke it, in the compile step");
        Assert.Contains("error CS", build.Output);
        var containers = StepContainer().Matches(build.Output).Select(match => match.Groups["id"].Value).ToList();
        var images = CreatedImages(build.Output);
        foreach (var container in containers)
        {
            var inspect = await DockerCli.RunAsync(["container", "inspect", container], TimeSpan.FromSeconds(30));
            Assert.AreNotEqual(0, inspect.ExitCode, $"the build's step container {container} is left: {inspect.Stdout}");
        }

        foreach (var image in images)
        {
            var inspect = await DockerCli.RunAsync(["image", "inspect", image], TimeSpan.FromSeconds(30));
            Assert.AreNotEqual(0, inspect.ExitCode, $"the build's intermediate image {image} is left");
        }

        foreach (var label in new[] { "io.gadugi.action-image=" + tag, "io.gadugi.action-build=" + tag })
        {
            Assert.AreEqual(string.Empty, (await DockerCli.CheckedAsync("images", "-aq", "--filter", "label=" + label)).Trim(), label);
            Assert.AreEqual(string.Empty, (await DockerCli.CheckedAsync("ps", "-aq", "--filter", "label=" + label)).Trim(), label);
        }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split('/').Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }
}
