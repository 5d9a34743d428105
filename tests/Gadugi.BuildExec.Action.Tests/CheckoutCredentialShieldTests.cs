using System.Text;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class CheckoutCredentialShieldTests
{
    private const string Token = "ghs_ShieldTestToken0123456789abcdefABCDEF";
    private static readonly string Basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token));

    [TestMethod]
    public void The_extraheader_is_gone_while_raised_and_the_file_is_as_before_afterwards()
    {
        using var workspace = new TempDirectory();
        var original = ActionWorkspace.CheckoutGitConfig(Basic);
        var config = workspace.WriteFile(".git/config", original);
        var submodule = workspace.WriteFile(".git/modules/lib/config", "[core]\n\tbare = false\n[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic " + Basic + "\n");
        using var console = new ConsoleCapture();

        using (var shield = CheckoutCredentialShield.Raise(workspace.Path, workspace.Path, console.Console))
        {
            CollectionAssert.AreEquivalent(new[] { config, submodule }, shield.Files.ToArray());
            Assert.DoesNotContain("extraheader", File.ReadAllText(config));
            Assert.DoesNotContain(Basic, File.ReadAllText(submodule));
            Assert.Contains("[remote \"origin\"]", File.ReadAllText(config), "the rest of the file stays");
        }

        Assert.AreEqual(original, File.ReadAllText(config));
        Assert.Contains("extraheader = AUTHORIZATION: basic " + Basic, File.ReadAllText(submodule));
        Assert.AreEqual("***", console.Console.Redactor.Redact(Token), "the credential inside the header is masked too, whatever token the checkout used");
        Assert.Contains($"::add-mask::{Basic}", console.Text);
    }

    [TestMethod]
    public void A_config_changed_meanwhile_keeps_the_change_and_gets_the_header_back_in_its_section()
    {
        using var workspace = new TempDirectory();
        var config = workspace.WriteFile(".git/config", ActionWorkspace.CheckoutGitConfig(Basic));
        using var console = new ConsoleCapture();

        using (CheckoutCredentialShield.Raise(workspace.Path, workspace.Path, console.Console))
        {
            File.AppendAllText(config, "[user]\n\tname = step\n");
        }

        var text = File.ReadAllText(config);
        Assert.Contains("[user]\n\tname = step\n", text);
        Assert.EndsWith("[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic " + Basic + "\n", text);
    }

    [TestMethod]
    public void Without_a_persisted_credential_nothing_is_touched()
    {
        using var workspace = new TempDirectory();
        var config = workspace.WriteFile(".git/config", "[core]\n\tbare = false\n");
        var written = File.GetLastWriteTimeUtc(config);
        using var console = new ConsoleCapture();

        using (var shield = CheckoutCredentialShield.Raise(workspace.Path, workspace.Path, console.Console))
        {
            Assert.IsEmpty(shield.Files);
        }

        Assert.AreEqual(written, File.GetLastWriteTimeUtc(config));
        Assert.AreEqual(string.Empty, console.Text);
    }

    private static string HeaderConfig(string extra = "") =>
        "[core]\n\tbare = false\n" + extra + "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic " + Basic + "\n";

    [TestMethod]
    public void Nested_checkouts_their_submodules_and_git_files_are_all_scrubbed_and_restored()
    {
        using var workspace = new TempDirectory();
        using var outside = new TempDirectory();
        var nested = workspace.WriteFile("sub/.git/config", ActionWorkspace.CheckoutGitConfig(Basic));
        var nestedModule = workspace.WriteFile("sub/.git/modules/lib/config", HeaderConfig());
        workspace.WriteFile("sub/lib/.git", "gitdir: ../.git/modules/lib\n");
        var deep = workspace.WriteFile("a/b/c/d/e/tool/.git/config", HeaderConfig());
        var separate = workspace.WriteFile("gitdirs/other/config", HeaderConfig());
        workspace.WriteFile("other/.git", "gitdir: " + workspace.Combine("gitdirs", "other") + "\n");
        var foreign = outside.WriteFile("repo/config", HeaderConfig());
        workspace.WriteFile("elsewhere/.git", "gitdir: " + outside.Combine("repo") + "\n");
        var linkedOutside = outside.WriteFile("linked/.git/config", HeaderConfig());
        Directory.CreateSymbolicLink(workspace.Combine("linked"), outside.Combine("linked"));
        var tooDeep = workspace.WriteFile("1/2/3/4/5/6/7/.git/config", HeaderConfig());
        using var console = new ConsoleCapture();

        using (var shield = CheckoutCredentialShield.Raise(workspace.Path, workspace.Combine("sub"), console.Console))
        {
            CollectionAssert.AreEquivalent(new[] { nested, nestedModule, deep, separate }, shield.Files.ToArray());
            foreach (var file in shield.Files)
            {
                Assert.DoesNotContain(Basic, File.ReadAllText(file), file);
            }

            Assert.Contains(Basic, File.ReadAllText(foreign), "a Git directory outside the workspace is not the sandboxes' to see, nor the shield's to write");
            Assert.Contains(Basic, File.ReadAllText(linkedOutside), "a link is not followed");
            Assert.Contains(Basic, File.ReadAllText(tooDeep), "the search is bounded");
        }

        Assert.AreEqual(ActionWorkspace.CheckoutGitConfig(Basic), File.ReadAllText(nested));
        foreach (var file in new[] { nestedModule, deep, separate, foreign, linkedOutside })
        {
            Assert.AreEqual(HeaderConfig(), File.ReadAllText(file), file);
        }

        Assert.DoesNotContain("GBX5054", console.Text);
    }

    [TestMethod]
    public void A_config_replaced_by_a_link_gets_nothing_written_through_it_and_a_warning()
    {
        using var workspace = new TempDirectory();
        using var outside = new TempDirectory();
        var config = workspace.WriteFile(".git/config", ActionWorkspace.CheckoutGitConfig(Basic));
        const string Victim = "root: owned\n";
        var target = outside.WriteFile("victim", Victim);
        using var console = new ConsoleCapture();

        using (CheckoutCredentialShield.Raise(workspace.Path, workspace.Path, console.Console))
        {
            File.Delete(config);
            File.CreateSymbolicLink(config, target);
        }

        Assert.AreEqual(Victim, File.ReadAllText(target), "the link's target is left as it was");
        Assert.IsNotNull(new FileInfo(config).LinkTarget, "the link is left alone");
        Assert.Contains("::warning title=GBX5054::GBX5054: The Git credential hidden from .git/config was not put back: it was replaced by a symbolic link", console.Text);
        foreach (var file in Directory.EnumerateFiles(workspace.Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            Assert.DoesNotContain(Basic, File.ReadAllText(file), file);
        }
    }

    [TestMethod]
    public void A_git_directory_replaced_by_a_link_gets_nothing_written_through_it_and_a_warning()
    {
        using var workspace = new TempDirectory();
        using var outside = new TempDirectory();
        workspace.WriteFile("sub/.git/config", HeaderConfig());
        var target = outside.WriteFile("git/config", "[core]\n\tbare = false\n");
        using var console = new ConsoleCapture();

        using (CheckoutCredentialShield.Raise(workspace.Path, workspace.Path, console.Console))
        {
            Directory.Move(workspace.Combine("sub", ".git"), workspace.Combine("sub", "old-git"));
            Directory.CreateSymbolicLink(workspace.Combine("sub", ".git"), outside.Combine("git"));
        }

        Assert.AreEqual("[core]\n\tbare = false\n", File.ReadAllText(target));
        Assert.HasCount(1, Directory.GetFiles(outside.Combine("git")), "no temporary file is left behind there either");
        Assert.Contains("GBX5054: The Git credential hidden from sub/.git/config was not put back: a directory on its path was replaced by a symbolic link", console.Text);
        Assert.DoesNotContain(Basic, File.ReadAllText(workspace.Combine("sub", "old-git", "config")));
    }

    [TestMethod]
    public void A_deleted_or_directory_config_gets_a_warning_and_nothing_written()
    {
        using var workspace = new TempDirectory();
        var deleted = workspace.WriteFile("a/.git/config", HeaderConfig());
        var directory = workspace.WriteFile("b/.git/config", HeaderConfig());
        using var console = new ConsoleCapture();

        using (CheckoutCredentialShield.Raise(workspace.Path, workspace.Path, console.Console))
        {
            File.Delete(deleted);
            File.Delete(directory);
            Directory.CreateDirectory(directory);
        }

        Assert.IsFalse(File.Exists(deleted));
        Assert.IsTrue(Directory.Exists(directory));
        Assert.IsEmpty(Directory.GetFileSystemEntries(directory));
        Assert.Contains("GBX5054: The Git credential hidden from a/.git/config was not put back: it was deleted", console.Text);
        Assert.Contains("GBX5054: The Git credential hidden from b/.git/config was not put back: it was replaced by a directory", console.Text);
    }

    [TestMethod]
    public void A_config_edited_in_place_keeps_the_edit_and_a_hard_link_to_it_keeps_no_credential()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("hard links are made with ln");
        }

        using var workspace = new TempDirectory();
        var config = workspace.WriteFile(".git/config", ActionWorkspace.CheckoutGitConfig(Basic));
        var copy = workspace.Combine("dist", "config");
        Directory.CreateDirectory(workspace.Combine("dist"));
        using var console = new ConsoleCapture();

        using (CheckoutCredentialShield.Raise(workspace.Path, workspace.Path, console.Console))
        {
            using var ln = System.Diagnostics.Process.Start("ln", [config, copy]);
            ln.WaitForExit();
            Assert.AreEqual(0, ln.ExitCode);
            File.AppendAllText(config, "[core]\n\thooksPath = .hooks\n");
        }

        var text = File.ReadAllText(config);
        Assert.Contains("[core]\n\thooksPath = .hooks\n", text, "an edit to the same regular file is kept");
        Assert.EndsWith("[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic " + Basic + "\n", text);
        Assert.IsNull(new FileInfo(config).LinkTarget);
        Assert.DoesNotContain(Basic, File.ReadAllText(copy), "the credential is written to a new file, not into an inode a step linked elsewhere");
        Assert.IsEmpty(Directory.GetFiles(workspace.Combine(".git"), ".config.gadugi-*"), "no temporary file is left");
        Assert.DoesNotContain("GBX5054", console.Text);
    }
}
