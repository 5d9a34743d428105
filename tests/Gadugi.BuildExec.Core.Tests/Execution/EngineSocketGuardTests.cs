using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Admission;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class EngineSocketGuardTests
{
    private string _root = string.Empty;
    private string _socket = string.Empty;

    [TestInitialize]
    public void CreateTree()
    {
        _root = Directory.CreateTempSubdirectory("gadugi-socket-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "run", "engine"));
        Directory.CreateDirectory(Path.Combine(_root, "project"));
        _socket = Path.Combine(_root, "run", "engine", "docker.sock");
        File.WriteAllText(_socket, string.Empty);
    }

    [TestCleanup]
    public void DeleteTree() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public void The_root_directory_is_refused_naming_the_option()
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => EngineSocketGuard.Check("/", "--workdir", [_socket]));

        Assert.AreEqual("GBX1401", error.Code);
        StringAssert.Contains(error.Message, "--workdir '/'");
        StringAssert.Contains(error.Message, "root directory");
    }

    [TestMethod]
    [DataRow("run")]
    [DataRow("run/engine")]
    [DataRow("run/engine/")]
    [DataRow("run/engine/docker.sock")]
    public void A_directory_holding_the_socket_is_refused(string relative)
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => EngineSocketGuard.Check(Path.Combine(_root, relative), "--input", [_socket]));

        Assert.AreEqual("GBX1401", error.Code);
        StringAssert.Contains(error.Message, "--input");
        StringAssert.Contains(error.Message, _socket);
    }

    [TestMethod]
    public void A_link_to_the_socket_directory_is_refused_and_a_link_to_the_directory_of_a_linked_socket_too()
    {
        var linkToDirectory = Path.Combine(_root, "project", "sockets");
        Directory.CreateSymbolicLink(linkToDirectory, Path.Combine(_root, "run"));
        var linkedSocketDirectory = Path.Combine(_root, "var-run");
        Directory.CreateSymbolicLink(linkedSocketDirectory, Path.Combine(_root, "run", "engine"));

        Assert.AreEqual("GBX1401", Assert.ThrowsExactly<GadugiException>(() => EngineSocketGuard.Check(linkToDirectory, "--workdir", [_socket])).Code);
        Assert.AreEqual("GBX1401", Assert.ThrowsExactly<GadugiException>(() => EngineSocketGuard.Check(Path.Combine(_root, "run"), "--workdir", [Path.Combine(linkedSocketDirectory, "docker.sock")])).Code);
    }

    [TestMethod]
    public void Siblings_and_prefix_lookalikes_are_allowed()
    {
        Directory.CreateDirectory(Path.Combine(_root, "run", "engine2"));

        EngineSocketGuard.Check(Path.Combine(_root, "project"), "--workdir", [_socket]);
        EngineSocketGuard.Check(Path.Combine(_root, "run", "engine2"), "--workdir", [_socket]);
    }

    [TestMethod]
    public void The_sockets_include_a_unix_docker_host_and_the_usual_paths()
    {
        CollectionAssert.AreEquivalent(
            new[] { "/srv/engine/podman.sock", "/var/run/docker.sock", "/run/docker.sock" },
            EngineSocketGuard.SocketPaths(new Uri("unix:///srv/engine/podman.sock")).ToArray());
        CollectionAssert.AreEquivalent(
            new[] { "/var/run/docker.sock", "/run/docker.sock" },
            EngineSocketGuard.SocketPaths(new Uri("tcp://10.0.0.1:2375")).ToArray());
    }
}
