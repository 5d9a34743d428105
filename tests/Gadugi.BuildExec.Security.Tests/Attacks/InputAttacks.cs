using System.Formats.Tar;
using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using Gadugi.BuildExec.Core.Execution.Output;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// Host-side input handling: hostile names, links planted in /input, hostile entries planted in
/// /output (links, FIFOs, devices, hard links, racing links, sparse giants, 100k files, forged
/// archives), and oversized inputs, which are refused before anything runs.
/// </summary>
public abstract class InputAttacks
{
    protected abstract SandboxRuntime Runtime { get; }

    private bool IsGvisor => Runtime == SandboxRuntime.Gvisor;

    private static readonly string[] HostileNames =
    [
        "-rf", "--help", "-", "$(touch pwned1)", "`touch pwned2`", "a;touch pwned3", "b|touch pwned4", "new\nline", "*", "?",
        "it's \"quoted\"", " lead and trail ", "back\\slash", "tab\there", "ünïcødé", "--output=x", "..data", "&& touch pwned5",
    ];

    [TestMethod]
    public async Task Names_with_metacharacters_newlines_and_dashes_pass_through_as_data()
    {
        await using var attack = new Attack(Runtime);
        var input = attack.MakeDirectory("input");
        foreach (var name in HostileNames)
        {
            File.WriteAllText(Path.Combine(attack.Workspace, name), "w");
            File.WriteAllText(Path.Combine(input, name), "i");
        }

        const string script = "import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'workspace': sorted(os.listdir('/workspace')), 'input': sorted(os.listdir('/input'))}))";
        var result = await attack.RunAsync(new ExecutionRequest
        {
            Command = ["python3", "-c", script, .. HostileNames],
            Policy = attack.Policy(),
            WorkingDirectory = attack.Workspace,
            InputDirectory = input,
        });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        var seen = JsonDocument.Parse(result.Stdout.Text).RootElement;
        CollectionAssert.AreEqual(HostileNames, seen.GetProperty("argv").EnumerateArray().Select(e => e.GetString()).ToArray(), "argv arrives unchanged");
        var inWorkspace = seen.GetProperty("workspace").EnumerateArray().Select(e => e.GetString()).ToArray();
        var inInput = seen.GetProperty("input").EnumerateArray().Select(e => e.GetString()).ToArray();
        CollectionAssert.IsSubsetOf(HostileNames, inWorkspace);
        CollectionAssert.AreEquivalent(HostileNames, inInput);
        Assert.IsEmpty(Directory.EnumerateFileSystemEntries(attack.Root, "pwned*", SearchOption.AllDirectories).ToArray(), "no name was ever run as a command");
        var audit = File.ReadAllLines(attack.AuditLogPath).Last();
        CollectionAssert.AreEqual(new[] { "python3", "-c", script }.Concat(HostileNames).ToArray(), JsonDocument.Parse(audit).RootElement.GetProperty("argv").EnumerateArray().Select(e => e.GetString()).ToArray(), "the audit record keeps argv exactly");
    }

    [TestMethod]
    public async Task Symlinks_in_input_resolve_inside_the_sandbox_never_to_host_files()
    {
        await using var attack = new Attack(Runtime);
        var secret = "host-only-secret-" + Guid.NewGuid().ToString("N");
        var secretFile = Path.Combine(attack.Root, "secret.txt");
        File.WriteAllText(secretFile, secret);
        File.SetUnixFileMode(secretFile, (UnixFileMode)0x1A4);
        var input = attack.MakeDirectory("input");
        File.CreateSymbolicLink(Path.Combine(input, "absolute"), secretFile);
        File.CreateSymbolicLink(Path.Combine(input, "relative"), "../secret.txt");
        File.CreateSymbolicLink(Path.Combine(input, "passwd"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(input, "rootdir"), attack.Root);

        var script = "for f in /input/absolute /input/relative /input/passwd; do echo \"== $f\"; cat \"$f\" 2>&1; done; echo '== rootdir'; ls /input/rootdir/ 2>&1";
        var result = await attack.RunAsync(new ExecutionRequest { Command = ["bash", "-c", script], Policy = attack.Policy("shell"), WorkingDirectory = attack.Workspace, InputDirectory = input });

        Assert.IsFalse(result.Stdout.Text.Contains(secret, StringComparison.Ordinal), "a host file was read through a link in /input: " + result.Stdout.Text);
        StringAssert.Contains(result.Stdout.Text, "== /input/absolute\ncat: /input/absolute: No such file or directory");
        StringAssert.Contains(result.Stdout.Text, "== /input/relative\ncat: /input/relative: No such file or directory");
        StringAssert.Contains(result.Stdout.Text, "sandbox:x:10001:10001", "the link resolved to the image's /etc/passwd, not the host's");
        // runc says ENOENT, gVisor's gofer EINVAL: either way the host directory is not listed.
        StringAssert.Contains(result.Stdout.Text, "== rootdir\nls: cannot access '/input/rootdir/': ");
        Assert.IsFalse(result.Stdout.Text.Contains("secret.txt", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Links_fifos_devices_and_hard_links_planted_in_output_are_refused_on_the_callers_side()
    {
        await using var attack = new Attack(Runtime);
        var secretFile = Path.Combine(attack.Root, "secret.txt");
        File.WriteAllText(secretFile, "untouched");
        var output = Path.Combine(attack.Root, "out");
        var script = $"""
            cd /output
            echo report > report.txt
            ln -s {secretFile} host-secret
            ln -s /etc/passwd passwd
            ln -s .. parent
            mkfifo pipe
            mknod null c 1 3 2>/dev/null; echo "mknod=$?"
            ln report.txt report-hardlink
            ln /etc/passwd passwd-hardlink 2>&1 | sed 's/.*: /ln: /'
            echo tmp > /tmp/t; ln /tmp/t tmp-hardlink 2>&1 | sed 's/.*: /ln: /'
            for name in -rf --help '$(touch pwned1)' '`touch pwned2`' 'a;touch pwned3' 'b|touch pwned4&' ' spaced ' $'new\nline' "it's"; do echo hostile > "./$name"; done
            ln -s /etc/passwd ./-evil-link
            mkfifo ./$'fifo\nnewline'
            true
            """;

        var result = await attack.RunAsync(new ExecutionRequest { Command = ["bash", "-c", script], Policy = attack.Policy("shell"), WorkingDirectory = attack.Workspace, OutputDirectory = output });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        StringAssert.Contains(result.Stdout.Text, "ln: Invalid cross-device link\nln: Invalid cross-device link", "hard links to files outside /output cannot even be made");
        var entries = Directory.EnumerateFileSystemEntries(output, "*", SearchOption.AllDirectories).ToArray();
        Assert.IsTrue(entries.All(e => File.Exists(e) && new FileInfo(e).LinkTarget is null && (File.GetAttributes(e) & FileAttributes.Directory) == 0), string.Join(", ", entries));
        // tar stores the first of two hard-linked names as the file and the second as a link, in directory order.
        var reportName = result.OutputFiles.Single(f => f is "report.txt" or "report-hardlink");
        string[] hostile = ["-rf", "--help", "$(touch pwned1)", "`touch pwned2`", "a;touch pwned3", "b|touch pwned4&", " spaced ", "new\nline", "it's"];
        string[] expected = [reportName, .. hostile];
        // Exactly these regular files arrive on the caller's side: no FIFO, device or link of any name.
        CollectionAssert.AreEquivalent(expected, entries.Select(e => Path.GetRelativePath(output, e)).ToArray(), "on disk: " + string.Join(" | ", entries));
        CollectionAssert.AreEquivalent(expected, result.OutputFiles.ToArray(), "reported: " + string.Join(" | ", result.OutputFiles));
        Assert.IsEmpty(RegularFileCheck(output), "find reports entries that are not regular files");
        Assert.IsTrue(hostile.All(name => File.ReadAllText(Path.Combine(output, name)) == "hostile\n"));
        Assert.IsEmpty(Directory.EnumerateFileSystemEntries(attack.Root, "pwned*", SearchOption.AllDirectories).ToArray(), "no name was ever run as a command");
        Assert.AreEqual("untouched", File.ReadAllText(secretFile));
        var refused = result.Events.Where(e => e.Kind == "output_refused").Select(e => e.Detail).ToArray();
        var linkName = result.OutputFiles[0] == "report.txt" ? "report-hardlink" : "report.txt";
        foreach (var name in new[] { "host-secret", "passwd", "parent", "pipe", linkName, "-evil-link", "fifo\nnewline" })
        {
            Assert.IsTrue(refused.Any(d => d.StartsWith($"'{name}'", StringComparison.Ordinal)), $"{name} not reported: {string.Join("; ", refused)}");
        }

        if (IsGvisor)
        {
            // gVisor's tmpfs lets an unprivileged user make a device node (it opens onto nothing, see
            // EscapeProbes); the collector refuses it like any other non-regular entry.
            StringAssert.Contains(result.Stdout.Text, "mknod=0");
            Assert.IsTrue(refused.Any(d => d.StartsWith("'null': character device", StringComparison.Ordinal)), string.Join("; ", refused));
        }
        else
        {
            StringAssert.Contains(result.Stdout.Text, "mknod=1");
        }
    }

    /// <summary>Every entry under <paramref name="directory"/> that is neither a regular file nor a directory, per find(1).</summary>
    private static string RegularFileCheck(string directory)
    {
        using var find = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("find", [directory, "-mindepth", "1", "!", "-type", "f", "!", "-type", "d"]) { RedirectStandardOutput = true })!;
        var odd = find.StandardOutput.ReadToEnd();
        find.WaitForExit();
        Assert.AreEqual(0, find.ExitCode, "find failed");
        return odd;
    }

    [TestMethod]
    public async Task A_link_racing_between_directory_and_symlink_during_collection_is_never_followed()
    {
        await using var attack = new Attack(Runtime);
        var target = attack.MakeDirectory("race-target");
        var output = Path.Combine(attack.Root, "out");
        // A daemon keeps swapping /output/race between a directory holding a file and a link to a host
        // directory while the executor archives /output after the command returned.
        var script = $"""
            mkdir -p /output/race && echo payload > /output/race/escaped
            (setsid bash -c 'while true; do mv /output/race /output/race.d; ln -sfn {target} /output/race; rm -f /output/race; mv /output/race.d /output/race; done' </dev/null >/dev/null 2>&1 &)
            sleep 0.3
            """;

        for (var round = 0; round < 3; round++)
        {
            var result = await attack.RunAsync(new ExecutionRequest { Command = ["bash", "-c", script], Policy = attack.Policy("shell"), WorkingDirectory = attack.Workspace, OutputDirectory = output });

            Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
            Assert.IsEmpty(Directory.EnumerateFileSystemEntries(target).ToArray(), "a file was written through the racing link");
            Assert.IsFalse(Directory.EnumerateFileSystemEntries(output, "*", SearchOption.AllDirectories).Any(e => new FileInfo(e).LinkTarget is not null), "a link reached the caller");
        }
    }

    [TestMethod]
    public async Task A_huge_sparse_file_in_output_is_cut_at_the_disk_limit()
    {
        await using var attack = new Attack(Runtime);
        var output = Path.Combine(attack.Root, "out");
        const long disk = 8L * 1024 * 1024;

        var result = await attack.RunAsync(new ExecutionRequest { Command = ["bash", "-c", "truncate -s 50G /output/sparse && echo small > /output/a.txt"], Policy = attack.Policy("shell") with { DiskBytes = disk }, WorkingDirectory = attack.Workspace, OutputDirectory = output });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        var copied = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.IsLessThanOrEqualTo(disk, copied, "no more than the disk limit reaches the caller");
        Assert.IsTrue(result.Events.Any(e => e.Kind == "output_refused" && (e.Detail.Contains("exceeds", StringComparison.Ordinal) || e.Detail.Contains("malformed", StringComparison.Ordinal))), string.Join("; ", result.Events));
        Assert.IsFalse(result.OutputFiles.Contains("sparse"));
    }

    [TestMethod]
    public async Task A_hundred_thousand_files_in_output_are_capped()
    {
        await using var attack = new Attack(Runtime);
        var output = Path.Combine(attack.Root, "out");
        const string script = "import os\nfor i in range(100_050):\n    os.close(os.open(f'/output/f{i}', os.O_CREAT | os.O_WRONLY, 0o644))";

        var result = await attack.RunAsync(new ExecutionRequest { Command = ["python3", "-c", script], Policy = attack.Policy(), WorkingDirectory = attack.Workspace, OutputDirectory = output });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsLessThan(100_000, result.OutputFiles.Count);
        Assert.IsLessThan(100_000, Directory.EnumerateFiles(output).Count());
        Assert.IsTrue(result.Events.Any(e => e.Kind == "output_refused" && e.Detail.Contains("more than 100000 entries", StringComparison.Ordinal)), string.Join("; ", result.Events.Take(3)));
    }

    [TestMethod]
    public async Task A_tar_planted_on_a_writable_path_is_not_used_to_collect_output()
    {
        await using var attack = new Attack(Runtime);
        var output = Path.Combine(attack.Root, "out");
        // With a policy tmpfs early on the command's PATH it can plant its own 'tar'; the collector must use /bin/tar.
        var script = """
            printf '#!/bin/sh\necho forged > /tmp/forged-tar-ran\nexit 0\n' > /opt/bin/tar && chmod +x /opt/bin/tar
            printf '#!/bin/sh\nexit 0\n' > /opt/bin/sh && chmod +x /opt/bin/sh
            command -v tar; echo real > /output/real.txt
            """;
        var policy = attack.Policy("shell") with { Tmpfs = ["/tmp", "/opt/bin"], EnvAllowlist = ["PATH"] };

        var result = await attack.RunAsync(new ExecutionRequest { Command = ["bash", "-c", script], Policy = policy, WorkingDirectory = attack.Workspace, OutputDirectory = output, Environment = new Dictionary<string, string> { ["PATH"] = "/opt/bin:/usr/bin:/bin" } });

        Assert.AreEqual("/opt/bin/tar\n", result.Stdout.Text, "the planted tar is first on the command's PATH");
        CollectionAssert.AreEqual(new[] { "real.txt" }, result.OutputFiles.ToArray(), "the real tar collected /output");
        Assert.AreEqual("real\n", File.ReadAllText(Path.Combine(output, "real.txt")));
    }

    [TestMethod]
    public async Task A_forged_archive_with_dotdot_absolute_and_link_tricks_writes_nothing_outside_the_destination()
    {
        var root = Directory.CreateTempSubdirectory("gadugi-forged-tar-").FullName;
        try
        {
            var destination = Path.Combine(root, "out");
            var archive = Path.Combine(root, "forged.tar");
            await using (var stream = File.Create(archive))
            await using (var writer = new TarWriter(stream, TarEntryFormat.Pax))
            {
                await AddFileAsync(writer, "../escaped.txt", "dotdot");
                await AddFileAsync(writer, "./a/../../escaped2.txt", "dotdot2");
                await AddFileAsync(writer, "/tmp/absolute-escape.txt", "absolute");
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = root });
                await AddFileAsync(writer, "link/through-link.txt", "through");
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.HardLink, "hard") { LinkName = "/etc/passwd" });
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.CharacterDevice, "mem") { DeviceMajor = 1, DeviceMinor = 1 });
                await AddFileAsync(writer, "ok/kept.txt", "kept");
            }

            var collected = await OutputCollector.ExtractAsync(archive, destination, root, 1024 * 1024, CancellationToken.None);

            // An absolute name lands under the destination; a link is refused, so "link/" becomes a real directory there.
            CollectionAssert.AreEquivalent(new[] { Path.Combine("ok", "kept.txt"), Path.Combine("tmp", "absolute-escape.txt"), Path.Combine("link", "through-link.txt") }, collected.Files.ToArray());
            Assert.IsFalse(File.Exists(Path.Combine(root, "escaped.txt")));
            Assert.IsFalse(File.Exists(Path.Combine(root, "escaped2.txt")));
            Assert.IsFalse(File.Exists(Path.Combine(root, "through-link.txt")));
            Assert.IsFalse(File.Exists("/tmp/absolute-escape.txt") && File.ReadAllText("/tmp/absolute-escape.txt") == "absolute");
            Assert.IsTrue(Directory.EnumerateFileSystemEntries(destination, "*", SearchOption.AllDirectories).All(e => new FileInfo(e).LinkTarget is null));
            Assert.IsGreaterThanOrEqualTo(5, collected.Refusals.Count, string.Join("; ", collected.Refusals));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        static async Task AddFileAsync(TarWriter writer, string name, string content)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) };
            await writer.WriteEntryAsync(entry);
        }
    }

    [TestMethod]
    public async Task An_oversized_input_is_refused_before_the_run_with_a_coded_error()
    {
        await using var attack = new Attack(Runtime);
        var input = attack.MakeDirectory("input");
        File.WriteAllBytes(Path.Combine(input, "big.bin"), new byte[3 * 1024 * 1024]);
        File.CreateSymbolicLink(Path.Combine(input, "host-disk"), "/dev/zero");
        var policy = attack.Policy("shell") with { InputLimitBytes = 2L * 1024 * 1024 };

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.RunAsync(new ExecutionRequest { Command = ["touch", "/tmp/ran"], Policy = policy, WorkingDirectory = attack.Workspace, InputDirectory = input }));

        Assert.AreEqual("GBX3002", error.Code);
        StringAssert.Contains(error.Message, input);
        StringAssert.Contains(error.Message, "input_limit: 2m");
        StringAssert.Contains(error.Message, "3145728 bytes");
        var record = JsonDocument.Parse(File.ReadAllLines(attack.AuditLogPath).Single()).RootElement;
        Assert.AreEqual("denied", record.GetProperty("status").GetString());
        Assert.IsFalse(record.GetProperty("sandboxed").GetBoolean());
        Assert.AreEqual(JsonValueKind.Null, record.TryGetProperty("container_id", out var id) ? id.ValueKind : JsonValueKind.Null, "no container was created");
    }
}

[TestClass]
public sealed class InputAttacksUnderRunc : InputAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;
}

[TestClass]
public sealed class InputAttacksUnderGvisor : InputAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;
}
