using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Engine.Tests.Images;

/// <summary>Each runtime image has the runtime it promises, working as uid 10001 with a read-only root.</summary>
[TestClass]
public sealed class RuntimeImageContentTests
{
    /// <summary>A representative slice of the full standard library, including what Debian packages separately.</summary>
    private const string PythonStdlibCheck = """
        import warnings; warnings.simplefilter("ignore")
        import asyncio, bz2, ctypes, ctypes.util, curses, dbm.gnu, decimal, distutils.core, email, hashlib, http.server
        import json, lib2to3.refactor, lzma, multiprocessing, readline, sqlite3, ssl, unicodedata, urllib.request
        import uuid, xml.etree.ElementTree, zlib, zoneinfo, datetime, sys
        assert sqlite3.connect(":memory:").execute("select 6*7").fetchone()[0] == 42
        assert ssl.create_default_context().cert_store_stats()["x509_ca"] > 0, "no CA certificates"
        assert ctypes.CDLL(ctypes.util.find_library("c")).abs(-3) == 3
        assert decimal.Decimal("0.1") + decimal.Decimal("0.2") == decimal.Decimal("0.3")
        data = b"gadugi" * 100
        assert lzma.decompress(lzma.compress(data)) == data and bz2.decompress(bz2.compress(data)) == data
        assert zlib.decompress(zlib.compress(data)) == data and hashlib.sha3_256(data).hexdigest()
        berlin = datetime.datetime(2024, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
        assert berlin.utcoffset() == datetime.timedelta(hours=2), berlin.utcoffset()
        assert asyncio.run(asyncio.sleep(0, result="async")) == "async"
        if __name__ == "__main__":
            with multiprocessing.Pool(2) as pool:
                assert pool.map(abs, [-1, -2]) == [1, 2]
            print("stdlib ok", sys.version.split()[0])
        """;

    private static async Task<ProbeResult> RunAsync(string recipe, string[] command, string tmpfsOptions = "rw,nosuid,nodev,size=256m") =>
        await ContainerProbe.RunAsync((await RuntimeImages.EngineAsync()).Client, await RuntimeImages.ImageIdAsync(recipe), command, tmpfsOptions: tmpfsOptions);

    [TestMethod]
    [DataRow("python")]
    [DataRow("multi")]
    public async Task Python_3_11_imports_the_full_standard_library(string recipe)
    {
        // Run from a file (in the tmpfs /tmp) so multiprocessing's workers can re-import __main__.
        var result = await RunAsync(recipe, ["sh", "-c", "printf '%s' \"$1\" > /tmp/check.py && python3 /tmp/check.py", "sh", PythonStdlibCheck]);

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        StringAssert.StartsWith(result.Stdout.Trim(), "stdlib ok 3.11.");
    }

    /// <summary>
    /// Every module Python itself lists as standard imports, except those that cannot exist on Linux and the
    /// ones left out on purpose: the Tk family needs X11, and ensurepip installs pip (the sandbox installs nothing).
    /// </summary>
    private const string PythonEveryStdlibModule = """
        import importlib, sys, warnings; warnings.simplefilter("ignore")
        elsewhere = {"_msi", "msilib", "_overlapped", "_winapi", "msvcrt", "nt", "winreg", "winsound", "_scproxy"}
        left_out = {"_tkinter", "tkinter", "turtle", "turtledemo", "idlelib", "ensurepip"}
        missing = []
        for name in sorted(sys.stdlib_module_names - elsewhere - left_out):
            try:
                importlib.import_module(name)
            except Exception as error:
                missing.append(f"{name} ({type(error).__name__})")
        print("missing:", ", ".join(missing) or "none")
        """;

    [TestMethod]
    [DataRow("python")]
    [DataRow("multi")]
    public async Task Every_standard_module_imports_but_the_documented_exclusions(string recipe)
    {
        var result = await RunAsync(recipe, ["python3", "-c", PythonEveryStdlibModule]);

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        // Last line: importing 'this' prints the Zen of Python first.
        Assert.AreEqual("missing: none", result.Stdout.TrimEnd().Split('\n')[^1], result.ToString());
    }

    [TestMethod]
    [DataRow("node")]
    [DataRow("multi")]
    public async Task Node_is_version_18_with_crypto_and_without_npm(string recipe)
    {
        var result = await RunAsync(recipe, ["node", "-e", "require('crypto').createHash('sha256').update('x'); require('https'); console.log(process.version)"]);

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        StringAssert.StartsWith(result.Stdout.Trim(), "v18.");
    }

    [TestMethod]
    [DataRow("shell")]
    [DataRow("multi")]
    public async Task Bash_is_5_2_with_coreutils(string recipe)
    {
        var result = await RunAsync(recipe, ["bash", "-c", "echo ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}; seq 3 | sort -r | tr '\\n' ' '; sha256sum /dev/null | cut -c1-8"]);

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        Assert.AreEqual("5.2\n3 2 1 e3b0c442", result.Stdout.Trim());
    }

    [TestMethod]
    public async Task Multi_has_python_node_and_bash_together()
    {
        var result = await RunAsync("multi", ["bash", "-c", "python3 -c 'import sys; print(sys.version_info[:2])' && node --version && echo $BASH_VERSION"]);

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        StringAssert.Matches(result.Stdout, new System.Text.RegularExpressions.Regex(@"^\(3, 11\)\nv18\.\d+\.\d+\n5\.2\.", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)));
    }

    [TestMethod]
    public async Task Dotnet_info_runs_as_uid_10001_with_read_only_root_and_home_tmp()
    {
        var host = HostDotnetSdk.Locate(Environment.GetEnvironmentVariable, out var searched);
        Assert.IsNotNull(host, searched);

        var result = await RunAsync("dotnet-sdk", ["sh", "-c", "id -u && echo $HOME && dotnet --info && dotnet --list-sdks"]);

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        StringAssert.StartsWith(result.Stdout, "10001\n/tmp\n");
        StringAssert.Contains(result.Stdout, $" Version:           {host.Version}");
        foreach (var sdk in host.Sdks)
        {
            StringAssert.Contains(result.Stdout, $"{sdk} [/usr/share/dotnet/sdk]");
        }
    }

    [TestMethod]
    public async Task Dotnet_builds_and_runs_a_console_app_offline()
    {
        const string script = """
            set -e
            mkdir /tmp/hello && cd /tmp/hello
            dotnet new console --no-restore >/dev/null
            echo 'System.Console.WriteLine($"hello from {System.Environment.UserName} on .NET {System.Environment.Version.Major}");' > Program.cs
            dotnet build -o out --nologo -v q >/tmp/build.log 2>&1 || { cat /tmp/build.log; exit 1; }
            dotnet out/hello.dll
            ./out/hello
            """;

        var result = await RunAsync("dotnet-sdk", ["sh", "-c", script], tmpfsOptions: "rw,exec,nosuid,nodev,size=1g");

        Assert.AreEqual(0L, result.ExitCode, result.ToString());
        var major = HostDotnetSdk.Locate(Environment.GetEnvironmentVariable, out _)!.Version.Split('.')[0];
        Assert.AreEqual($"hello from sandbox on .NET {major}\nhello from sandbox on .NET {major}", result.Stdout.Trim());
    }
}
