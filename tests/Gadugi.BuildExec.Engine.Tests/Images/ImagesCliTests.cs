using System.Diagnostics;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>'gadugi-exec images …' as a user runs it, output redirected as in a CI log.</summary>
[TestClass]
public sealed class ImagesCliTests
{
    internal static async Task<(int ExitCode, string Stdout, string Stderr)> GadugiExecAsync(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "gadugi-exec"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    [TestMethod]
    public async Task Build_of_current_images_reports_them_cached_in_plain_lines()
    {
        var (exitCode, stdout, stderr) = await GadugiExecAsync("images", "build", "shell", "python");

        Assert.AreEqual(0, exitCode, stderr);
        StringAssert.Contains(stdout, "shell: checking gadugi/shell:5.2\n");
        StringAssert.Contains(stdout, $"shell: gadugi/shell:5.2 is current (recipe {RuntimeImages.Catalog.Get("shell").RecipeHash[..12]},");
        StringAssert.Contains(stdout, "python: gadugi/python:3.11 is current");
        Assert.DoesNotContain("\u001b[", stdout, "no terminal escapes when redirected");
    }

    [TestMethod]
    public async Task An_unknown_recipe_exits_125_with_the_coded_error_on_stderr()
    {
        var (exitCode, stdout, stderr) = await GadugiExecAsync("images", "build", "shell", "pyhton");

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(stderr, "GBX1101: No image recipe named 'pyhton'");
        StringAssert.Contains(stderr, "dotnet-sdk, multi, node, python, shell");
        Assert.AreEqual(string.Empty, stdout, "nothing is built when a name is wrong");
    }

    [TestMethod]
    public async Task A_missing_recipe_folder_exits_125()
    {
        var (exitCode, _, stderr) = await GadugiExecAsync("images", "list", "--recipes", "/nonexistent/gadugi-recipes");

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(stderr, "GBX1103: ");
    }

    [TestMethod]
    public async Task List_shows_the_built_images_as_current()
    {
        var (exitCode, stdout, stderr) = await GadugiExecAsync("images", "list");

        Assert.AreEqual(0, exitCode, stderr);
        foreach (var recipe in RuntimeImages.Catalog.GetAll())
        {
            var row = stdout.Split('\n').FirstOrDefault(line => line.Contains(recipe.Reference, StringComparison.Ordinal));
            Assert.IsNotNull(row, $"{recipe.Reference} is not listed:\n{stdout}");
            StringAssert.Contains(row, "current");
            StringAssert.Contains(row, recipe.RecipeHash[..12]);
        }
    }

    [TestMethod]
    public async Task Build_from_a_recipe_folder_uses_that_folder()
    {
        using var scratch = ScratchRecipes.Create("shell");
        scratch.Edit("shell", yaml => ScratchRecipes.Replace(yaml, "  - coreutils\n", "  - coreutils\n  - not a package\n"));

        var (exitCode, _, stderr) = await GadugiExecAsync("images", "build", "shell", "--recipes", scratch.Root);

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(stderr, "GBX1102: ");
        StringAssert.Contains(stderr, Path.Combine(scratch.Root, "shell", "recipe.yaml"));
    }
}
