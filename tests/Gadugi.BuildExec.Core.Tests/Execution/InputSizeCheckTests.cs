using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Execution.Admission;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class InputSizeCheckTests
{
    [TestMethod]
    public void Input_over_the_limit_is_refused_with_directory_size_and_limit()
    {
        var root = Directory.CreateTempSubdirectory("gadugi-input-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "sub"));
            File.WriteAllBytes(Path.Combine(root, "sub", "big.bin"), new byte[3000]);
            var policy = PolicyDefaults.BuiltIn["shell"] with { InputLimitBytes = 2048 };

            var error = Assert.ThrowsExactly<GadugiException>(() => InputSizeCheck.Enforce(new ExecutionRequest { Command = ["true"], Policy = policy, InputDirectory = root }));

            Assert.AreEqual("GBX3002", error.Code);
            StringAssert.Contains(error.Message, root);
            StringAssert.Contains(error.Message, "3000 bytes");
            StringAssert.Contains(error.Message, "input_limit: 2k");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void Links_count_as_themselves_and_sparse_files_at_their_full_length()
    {
        var root = Directory.CreateTempSubdirectory("gadugi-input-").FullName;
        try
        {
            using (var sparse = File.Create(Path.Combine(root, "sparse.bin")))
            {
                sparse.SetLength(5000);
            }

            File.CreateSymbolicLink(Path.Combine(root, "etc"), "/etc");
            File.CreateSymbolicLink(Path.Combine(root, "passwd"), "/etc/passwd");

            var (bytes, files) = InputSizeCheck.Measure(root);

            Assert.AreEqual(5000L, bytes);
            Assert.AreEqual(3L, files);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
