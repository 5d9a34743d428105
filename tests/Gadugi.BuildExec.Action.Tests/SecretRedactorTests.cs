using System.Text;
using Gadugi.BuildExec.Action.Logging;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class SecretRedactorTests
{
    private const string Token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

    [TestMethod]
    [DataRow("")]
    [DataRow("x")]
    [DataRow("xy")]
    [DataRow("x-access-token:")]
    [DataRow("user:")]
    public void The_token_is_masked_inside_any_base64_text_whatever_precedes_it(string prefix)
    {
        var redactor = new SecretRedactor();
        redactor.Add(Token);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix + Token + " and more"));

        var redacted = redactor.Redact("AUTHORIZATION: basic " + encoded);

        Assert.Contains("***", redacted);
        // Whatever is left of the base64 text decodes to at most 2 bytes of the token on either side.
        var left = redacted["AUTHORIZATION: basic ".Length..].Split("***");
        Assert.HasCount(2, left);
        Assert.IsLessThanOrEqualTo(((prefix.Length + 2) * 4 / 3) + 4, left[0].Length, redacted);
        Assert.IsLessThanOrEqualTo((" and more".Length + 2) * 4 / 3 + 4, left[1].Length, redacted);
    }

    [TestMethod]
    public void Adding_returns_each_new_form_once_and_short_values_are_ignored()
    {
        var redactor = new SecretRedactor();

        var forms = redactor.Add(Token);
        var again = redactor.Add(Token);

        Assert.HasCount(5, forms);
        Assert.Contains(Token, forms);
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token)), forms);
        Assert.IsEmpty(again);
        Assert.IsEmpty(redactor.Add("abc"));
        Assert.AreEqual("abc", redactor.Redact("abc"));
    }
}
