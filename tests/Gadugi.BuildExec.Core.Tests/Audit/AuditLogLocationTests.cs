using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Tests.Audit;

/// <summary>Without a home directory the audit log falls back to the shared temporary directory, but only into a private folder.</summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AuditLogLocationTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private string _scratch = string.Empty;

    [TestInitialize]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("gadugi-state-test-").FullName;

    [TestCleanup]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [TestMethod]
    public void A_missing_fallback_directory_is_created_private()
    {
        var fallback = Path.Combine(_scratch, "gadugi-state-someone");

        Assert.AreEqual(fallback, AuditLogLocation.PrivateFallback(fallback));

        Assert.AreEqual(OwnerOnly, new DirectoryInfo(fallback).UnixFileMode);
    }

    [TestMethod]
    public void A_fallback_directory_others_can_write_is_refused()
    {
        var fallback = Directory.CreateDirectory(Path.Combine(_scratch, "gadugi-state-someone")).FullName;
        File.SetUnixFileMode(fallback, OwnerOnly | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);

        var error = Assert.ThrowsExactly<GadugiException>(() => AuditLogLocation.PrivateFallback(fallback));

        Assert.AreEqual("GBX1404", error.Code);
        StringAssert.Contains(error.Message, "not 700");
    }

    [TestMethod]
    public void A_fallback_that_is_a_link_is_refused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_scratch, "planted")).FullName;
        File.SetUnixFileMode(elsewhere, OwnerOnly);
        var fallback = Path.Combine(_scratch, "gadugi-state-someone");
        Directory.CreateSymbolicLink(fallback, elsewhere);

        var error = Assert.ThrowsExactly<GadugiException>(() => AuditLogLocation.PrivateFallback(fallback));

        Assert.AreEqual("GBX1404", error.Code);
        StringAssert.Contains(error.Message, "link");
    }
}
