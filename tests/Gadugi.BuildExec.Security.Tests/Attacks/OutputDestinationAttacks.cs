using System.Formats.Tar;
using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Execution.Output;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// The caller's side of /output against a workspace a sandbox could write: a destination that is (or
/// passes through) a planted link, one swapped for a link during the run or while it is copied, and
/// hostile trees (deep names, floods of links) that must neither escape nor cost the run its record.
/// </summary>
public abstract class OutputDestinationAttacks
{
    protected abstract SandboxRuntime Runtime { get; }

    private const UnixFileMode Open = (UnixFileMode)0x1FF; // 0777: the sandbox user (uid 10001) may write the rw workspace.

    private static SandboxPolicy ReadWrite(Attack attack) => attack.Policy("shell") with { Workspace = WorkspaceAccess.ReadWrite };

    private static string OpenUp(string directory)
    {
        File.SetUnixFileMode(directory, Open);
        return directory;
    }

    [TestMethod]
    [DataRow("out", "out")]
    [DataRow("build", "build/out")]
    public async Task A_link_planted_in_the_workspace_is_never_the_way_output_is_written(string link, string output)
    {
        await using var attack = new Attack(Runtime);
        var victim = attack.MakeDirectory("victim");
        Directory.CreateSymbolicLink(Path.Combine(attack.Workspace, link), victim);

        // What an earlier 'workspace: rw' run leaves behind, then: gadugi-exec run --output out -- sh -c 'echo x >/output/authorized_keys'.
        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.RunAsync(new ExecutionRequest
        {
            Command = ["sh", "-c", "mkdir -p /output && echo planted-key > /output/authorized_keys"],
            Policy = attack.Policy("shell"),
            WorkingDirectory = attack.Workspace,
            OutputDirectory = Path.Combine(attack.Workspace, output),
        }));

        Assert.AreEqual("GBX1405", error.Code, error.Message);
        StringAssert.Contains(error.Message, $"'{Path.Combine(attack.Workspace, link)}' is a symbolic link");
        Assert.IsEmpty(Directory.EnumerateFileSystemEntries(victim).ToArray(), "nothing was written through the link");
    }

    [TestMethod]
    public async Task An_rw_sandbox_that_turns_the_output_directory_into_a_link_gets_nothing_written_through_it()
    {
        await using var attack = new Attack(Runtime);
        OpenUp(attack.Workspace);
        var victim = attack.MakeDirectory("victim");
        var output = OpenUp(Directory.CreateDirectory(Path.Combine(attack.Workspace, "out")).FullName);

        // The destination passes the check before the run; the command replaces it during the run.
        var result = await attack.RunAsync(new ExecutionRequest
        {
            Command = ["sh", "-c", $"rmdir /workspace/out && ln -s {victim} /workspace/out && echo planted-key > /output/authorized_keys"],
            Policy = ReadWrite(attack),
            WorkingDirectory = attack.Workspace,
            OutputDirectory = output,
        });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsFalse(File.Exists(Path.Combine(victim, "authorized_keys")), "/output was written through the link the sandbox made");
        Assert.IsEmpty(result.OutputFiles);
        Assert.IsTrue(result.Events.Any(e => e.Kind == "output_refused" && e.Detail.Contains("nothing was copied", StringComparison.Ordinal) && e.Detail.Contains("is a symbolic link", StringComparison.Ordinal)), string.Join("; ", result.Events));
        var record = JsonDocument.Parse(File.ReadLines(attack.AuditLogPath).Last()).RootElement;
        Assert.AreEqual(result.ExecutionId, record.GetProperty("id").GetString(), "the run is recorded");
    }

    [TestMethod]
    public async Task A_directory_swapped_for_a_link_while_output_is_copied_into_it_is_never_followed()
    {
        await using var attack = new Attack(Runtime);
        OpenUp(attack.Workspace);
        var victim = attack.MakeDirectory("victim");
        var output = OpenUp(Directory.CreateDirectory(Path.Combine(attack.Workspace, "out")).FullName);

        // A leftover of the command swaps the destination's sub/ with a link to a host directory as
        // fast as the kernel allows (renameat2 RENAME_EXCHANGE: at every instant sub is one or the
        // other; plain renames where the runtime lacks it) while the executor writes 2000 files into it.
        var swapper = string.Join('\n',
            "import ctypes, os",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "os.chdir('/workspace/out')",
            "os.mkdir('sub')",
            $"os.symlink('{victim}', 'link')",
            "while True:",
            "    if libc.renameat2(-100, b'sub', -100, b'link', 2) != 0:",
            "        os.rename('sub', 'held'); os.rename('link', 'sub'); os.rename('sub', 'link'); os.rename('held', 'sub')");
        var script = string.Join('\n',
            "import os, subprocess, sys, time",
            "os.makedirs('/output/sub')",
            "for i in range(2000):",
            "    open(f'/output/sub/f{i}', 'w').write('payload')",
            "subprocess.Popen([sys.executable, '-c', sys.argv[1]], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)",
            "time.sleep(0.5)");
        for (var round = 0; round < 2; round++)
        {
            foreach (var entry in new DirectoryInfo(output).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo { LinkTarget: null } directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }

            var result = await attack.RunAsync(new ExecutionRequest { Command = ["python3", "-c", script, swapper], Policy = attack.Policy() with { Workspace = WorkspaceAccess.ReadWrite }, WorkingDirectory = attack.Workspace, OutputDirectory = output });

            Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
            Assert.IsEmpty(Directory.EnumerateFileSystemEntries(victim).ToArray(), $"round {round}: a file was written through the swapped-in link");
        }
    }

    [TestMethod]
    public async Task A_tree_deeper_than_the_hosts_path_limit_is_copied_and_recorded_not_reported_as_an_engine_error()
    {
        await using var attack = new Attack(Runtime);
        var output = Path.Combine(attack.Root, "out");
        // 24 levels of 200-character names: 4,800 characters, past PATH_MAX (4,096); made with relative steps.
        const string script = "import os\nos.chdir('/output')\nfor i in range(24):\n    name = str(i) * 200 if i < 10 else 'd' * 200\n    os.mkdir(name)\n    os.chdir(name)\nopen('deep.txt', 'w').write('deep')\n";

        try
        {
            var result = await attack.RunAsync(new ExecutionRequest { Command = ["python3", "-c", script], Policy = attack.Policy(), WorkingDirectory = attack.Workspace, OutputDirectory = output });

            Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
            var deep = result.OutputFiles.Single();
            Assert.IsGreaterThan(4096, deep.Length);
            StringAssert.EndsWith(deep, "deep.txt");
            // The run's records: 'started' before its sandbox started, then the one that ended it.
            var records = File.ReadLines(attack.AuditLogPath).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("status").GetString()).ToArray();
            CollectionAssert.AreEqual(new[] { "started", "completed" }, records);
        }
        finally
        {
            // Directory.Delete stops at PATH_MAX; rm walks the tree with directory handles.
            using var rm = System.Diagnostics.Process.Start("rm", ["-rf", output]);
            await rm.WaitForExitAsync();
        }
    }

    [TestMethod]
    public async Task Thousands_of_refused_entries_make_a_small_record_that_still_counts_them()
    {
        await using var attack = new Attack(Runtime);
        var output = Path.Combine(attack.Root, "out");
        const string script = "import os\nfor i in range(5000):\n    os.symlink('/etc/passwd', '/output/l%05d-' % i + 'x' * 200)\n";

        var result = await attack.RunAsync(new ExecutionRequest { Command = ["python3", "-c", script], Policy = attack.Policy(), WorkingDirectory = attack.Workspace, OutputDirectory = output });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsLessThanOrEqualTo(EventBudget.MaxEvents + 1, result.Events.Count);
        var summary = result.Events.Single(e => e.Kind == "events_truncated");
        StringAssert.Contains(summary.Detail, $"{5000 - EventBudget.MaxEvents} more event(s) not recorded ({5000 - EventBudget.MaxEvents} output_refused)");
        // The run's records: 'started' before its sandbox started, then the one that ended it, which carries the events.
        var records = File.ReadLines(attack.AuditLogPath).ToArray();
        Assert.HasCount(2, records);
        Assert.IsLessThan(128 * 1024, records[^1].Length, "the record stays small");
    }
}

[TestClass]
public sealed class OutputDestinationAttacksUnderRunc : OutputDestinationAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;
}

[TestClass]
public sealed class OutputDestinationAttacksUnderGvisor : OutputDestinationAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;
}

/// <summary>Forged archives read by the collector directly: entries that contradict each other never escape as exceptions.</summary>
[TestClass]
public sealed class ForgedOutputArchiveTests
{
    [TestMethod]
    public async Task A_directory_then_a_file_of_the_same_name_and_the_reverse_are_refused_not_thrown()
    {
        var root = Directory.CreateTempSubdirectory("gadugi-forged-tar-").FullName;
        try
        {
            var destination = Path.Combine(root, "out");
            var archive = Path.Combine(root, "forged.tar");
            await using (var stream = File.Create(archive))
            await using (var writer = new TarWriter(stream, TarEntryFormat.Pax))
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "d/"));
                await AddFileAsync(writer, "d", "file over a directory");
                await AddFileAsync(writer, "f", "a file");
                await AddFileAsync(writer, "f/under-a-file", "a file under a file");
                await AddFileAsync(writer, new string('n', 300), "a name longer than NAME_MAX");
                await AddFileAsync(writer, "ok.txt", "kept");
            }

            var collected = await OutputCollector.ExtractAsync(archive, destination, root, 1024 * 1024, CancellationToken.None);

            CollectionAssert.AreEquivalent(new[] { "f", "ok.txt" }, collected.Files.ToArray());
            var refused = string.Join("; ", collected.Refusals.Select(e => e.Detail));
            StringAssert.Contains(refused, "'d': a directory of that name is already there");
            StringAssert.Contains(refused, "'f/under-a-file': 'f' on its path is a file, not a directory");
            StringAssert.Contains(refused, "longer than the file system allows");
            Assert.IsTrue(Directory.Exists(Path.Combine(destination, "d")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        static async Task AddFileAsync(TarWriter writer, string name, string content) =>
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) });
    }
}
