namespace Gadugi.BuildExec.Core.Tests;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public void Resources_load() => Assert.IsFalse(string.IsNullOrEmpty(Diagnostics.DiagnosticMessages.EngineUnavailable));
}
