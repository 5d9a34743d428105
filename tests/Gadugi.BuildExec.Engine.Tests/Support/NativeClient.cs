namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// The published gadugi-exec (./build.sh setup): the Native AOT front end (src/Client) as gadugi-exec,
/// the managed CLI beside it as gadugi-exec-managed. Not a copy in the test output: the front end is a
/// native build of its own, which only the setup's publish makes.
/// </summary>
internal static class NativeClient
{
    public static string ProgramPath
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gadugi.BuildExec.sln")))
            {
                directory = directory.Parent;
            }

            var folder = Path.Combine(directory?.FullName ?? throw new AssertFailedException("the repository is not above the test output"), "artifacts", "gadugi-exec");
            var program = Path.Combine(folder, "gadugi-exec");
            var managed = Path.Combine(folder, "gadugi-exec-managed");
            if (!File.Exists(program) || !File.Exists(managed) || new FileInfo(program).Length == new FileInfo(managed).Length)
            {
                Assert.Fail($"{folder} holds no Native AOT front end beside the managed CLI: run ./build.sh setup (it says why when the AOT publish fails)");
            }

            return program;
        }
    }
}
