using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class MmdebstrapArgumentsTests
{
    private static IReadOnlyList<string> ArgumentsFor(string recipe) =>
        MmdebstrapArguments.For(RecipeTrees.Catalog(RecipeTrees.Tree()).Get(recipe), path => "/stage/" + path, "/out/rootfs.tar", "/hooks/merged-usr");

    [TestMethod]
    public void Packages_go_to_include_and_suite_output_and_sources_come_last()
    {
        var arguments = ArgumentsFor("shell");

        CollectionAssert.Contains(arguments.ToArray(), "--include=bash,coreutils");
        CollectionAssert.Contains(arguments.ToArray(), "--variant=essential");
        CollectionAssert.Contains(arguments.ToArray(), "--mode=root");
        CollectionAssert.Contains(arguments.ToArray(), "--hook-dir=/hooks/merged-usr");
        CollectionAssert.Contains(arguments.ToArray(), "--aptopt=/stage/common/apt.conf");
        CollectionAssert.Contains(arguments.ToArray(), "--dpkgopt=/stage/common/dpkg-excludes.cfg");
        CollectionAssert.AreEqual(
            new[]
            {
                "bookworm",
                "/out/rootfs.tar",
                "deb http://deb.debian.org/debian bookworm main",
                "deb http://deb.debian.org/debian-security bookworm-security main",
            },
            arguments.TakeLast(4).ToArray());
    }

    [TestMethod]
    public void Recipe_hooks_run_in_order_then_the_package_manifest_and_harden_runs_last()
    {
        var hooks = ArgumentsFor("sdk").Where(argument => argument.StartsWith("--customize-hook=", StringComparison.Ordinal)).ToArray();

        CollectionAssert.AreEqual(
            new[]
            {
                "--customize-hook=sh '/stage/sdk/copy.sh' \"$1\"",
                "--customize-hook=" + MmdebstrapArguments.ManifestHook,
                "--customize-hook=sh '/stage/common/harden.sh' \"$1\"",
            },
            hooks);
        StringAssert.Contains(MmdebstrapArguments.ManifestHook, "chroot \"$1\" dpkg-query -W -f '${Package}\\t${Version}\\t${Architecture}\\n' > \"$1/usr/share/gadugi/packages.tsv\"");
    }

    [TestMethod]
    public void Without_the_merged_usr_hook_folder_no_hook_dir_is_passed()
    {
        var arguments = MmdebstrapArguments.For(RecipeTrees.Catalog(RecipeTrees.Tree()).Get("shell"), path => path, "out.tar", null);

        Assert.IsFalse(arguments.Any(argument => argument.StartsWith("--hook-dir", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Single_quotes_in_staged_paths_are_escaped_for_sh()
    {
        var arguments = MmdebstrapArguments.For(RecipeTrees.Catalog(RecipeTrees.Tree()).Get("shell"), path => "/it's/" + path, "out.tar", null);

        CollectionAssert.Contains(arguments.ToArray(), "--customize-hook=sh '/it'\\''s/common/harden.sh' \"$1\"");
    }
}
