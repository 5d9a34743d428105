using System.Text;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

/// <summary>Small in-memory recipe trees for tests, and a stand-in for the host inputs.</summary>
internal static class RecipeTrees
{
    public const string ShellRecipe = """
        name: shell
        repository: gadugi/shell
        tag: "5.2"
        description: bash
        suite: bookworm
        packages:
          - bash
          - coreutils
        cmd: [bash]
        smokeTest:
          command: [bash, -c, "echo ok"]
          expect: "^ok$"
        """;

    public const string SdkRecipe = """
        name: sdk
        repository: gadugi/sdk
        tag: "{dotnet-sdk}"
        suite: bookworm
        inputs: [dotnet-sdk]
        packages: [libicu72]
        hooks: [copy.sh]
        env:
          PATH: /opt/sdk:/usr/bin:/bin
          DOTNET_NOLOGO: "1"
        smokeTest:
          command: [dotnet, --list-sdks]
          expect: "^{dotnet-sdk} "
        """;

    public static RecipeFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    public static List<RecipeFile> Common() =>
    [
        File("common/harden.sh", "#!/bin/sh\necho harden\n"),
        File("common/sources.list", "# mirrors\ndeb http://deb.debian.org/debian {suite} main\n\ndeb http://deb.debian.org/debian-security {suite}-security main\n"),
        File("common/apt.conf", "Acquire::Retries \"3\";\n"),
        File("common/dpkg-excludes.cfg", "path-exclude=/usr/share/man/*\n"),
    ];

    public static List<RecipeFile> Tree(params RecipeFile[] extra) =>
    [
        .. Common(),
        File("shell/recipe.yaml", ShellRecipe),
        File("sdk/recipe.yaml", SdkRecipe),
        File("sdk/copy.sh", "cp -a \"$GADUGI_DOTNET_ROOT\" \"$1/opt/sdk\"\n"),
        .. extra,
    ];

    public static ImageRecipeCatalog Catalog(IEnumerable<RecipeFile> files, string sdkVersion = "10.0.401", string? fingerprint = null) =>
        ImageRecipeCatalog.Create(files, "test recipes", new FakeInputs(sdkVersion, fingerprint ?? $"sdks={sdkVersion}"));

    /// <summary>Replaces one file's text.</summary>
    public static List<RecipeFile> With(this List<RecipeFile> files, string path, string text) =>
        [.. files.Where(file => file.Path != path), File(path, text)];

    public sealed class FakeInputs(string version, string fingerprint) : IRecipeInputProvider
    {
        public IReadOnlyCollection<string> Names { get; } = [HostRecipeInputs.DotnetSdk];

        public RecipeInput Resolve(string inputName, string recipeName) =>
            new(inputName, version, fingerprint, new Dictionary<string, string> { ["GADUGI_DOTNET_ROOT"] = "/opt/dotnet", ["GADUGI_DOTNET_SDK_VERSION"] = version });
    }
}
