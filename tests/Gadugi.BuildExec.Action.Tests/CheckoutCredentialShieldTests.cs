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
}
