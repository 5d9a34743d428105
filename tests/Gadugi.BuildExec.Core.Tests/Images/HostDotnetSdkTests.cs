using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class HostDotnetSdkTests
{
    private string root = string.Empty;

    [TestInitialize]
    public void CreateInstallation()
    {
        root = Directory.CreateTempSubdirectory("gadugi-dotnet-").FullName;
        File.WriteAllText(Path.Combine(root, "dotnet"), "host");
        foreach (var sdk in new[] { "9.0.100", "10.0.100-rc.2.25502.107", "10.0.401", "10.0.100" })
        {
            Directory.CreateDirectory(Path.Combine(root, "sdk", sdk));
            File.WriteAllText(Path.Combine(root, "sdk", sdk, "dotnet.dll"), "sdk");
        }

        Directory.CreateDirectory(Path.Combine(root, "sdk", "10.0.999")); // no dotnet.dll: a leftover, not an SDK
        Directory.CreateDirectory(Path.Combine(root, "shared", "Microsoft.NETCore.App", "10.0.12"));
        Directory.CreateDirectory(Path.Combine(root, "shared", "Microsoft.AspNetCore.App", "10.0.12"));
    }

    [TestCleanup]
    public void DeleteInstallation() => Directory.Delete(root, recursive: true);

    [TestMethod]
    public void The_newest_sdk_is_the_version_and_every_sdk_and_runtime_is_fingerprinted()
    {
        var sdk = HostDotnetSdk.FromRoot(root)!;

        Assert.AreEqual("10.0.401", sdk.Version);
        Assert.AreEqual(
            "sdks=9.0.100,10.0.100-rc.2.25502.107,10.0.100,10.0.401;runtimes=Microsoft.AspNetCore.App/10.0.12,Microsoft.NETCore.App/10.0.12",
            sdk.Fingerprint);
    }

    [TestMethod]
    public void The_dotnet_on_path_is_followed_through_its_symlink()
    {
        var bin = Directory.CreateTempSubdirectory("gadugi-bin-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(bin, "dotnet"), Path.Combine(root, "dotnet"));

            var sdk = HostDotnetSdk.Locate(name => name == "PATH" ? $"/nonexistent:{bin}" : null, [], out _);

            Assert.AreEqual(root, sdk?.Root);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [TestMethod]
    public void Dotnet_root_is_used_when_path_has_no_dotnet()
    {
        var sdk = HostDotnetSdk.Locate(name => name == "DOTNET_ROOT" ? root : null, [], out _);

        Assert.AreEqual(root, sdk?.Root);
    }

    [TestMethod]
    public void A_folder_without_sdks_is_not_an_sdk()
    {
        Directory.Delete(Path.Combine(root, "sdk"), recursive: true);

        Assert.IsNull(HostDotnetSdk.FromRoot(root));
    }

    [TestMethod]
    public void The_input_carries_version_fingerprint_and_hook_variables()
    {
        var input = HostRecipeInputs.ForSdk(HostDotnetSdk.FromRoot(root)!);

        Assert.AreEqual("10.0.401", input.Value);
        StringAssert.StartsWith(input.Fingerprint, "sdks=");
        Assert.AreEqual(root, input.HookEnvironment["GADUGI_DOTNET_ROOT"]);
        Assert.AreEqual("10.0.401", input.HookEnvironment["GADUGI_DOTNET_SDK_VERSION"]);
    }
}
