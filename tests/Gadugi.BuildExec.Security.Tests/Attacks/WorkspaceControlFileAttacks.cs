using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using Gadugi.BuildExec.Testing;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// A <c>workspace: rw</c> sandbox attacking what the host runs or obeys from the workspace: Git hooks
/// and config (in the repository, a nested one and a worktree's Git directory), Claude Code's settings
/// and hooks, MCP servers, Gadugi's policies, the policy file of the run and a <c>protect:</c> entry.
/// Every file the sandbox could otherwise write is world-writable, so only the protection stops it;
/// afterwards the host's own git runs and must run nothing the sandbox planted.
/// </summary>
public abstract class WorkspaceControlFileAttacks
{
    protected abstract SandboxRuntime Runtime { get; }

    private const UnixFileMode Everyone = (UnixFileMode)0x1FF;
    private const UnixFileMode EveryoneFile = (UnixFileMode)0x1B6;

    private const string AttackScript = """
        import errno, json, os
        os.chdir('/workspace')
        seen = {}
        def attempt(name, action):
            try:
                action()
                seen[name] = 'ok'
            except OSError as error:
                seen[name] = errno.errorcode.get(error.errno, str(error.errno))
        def write(path, text, mode='w'):
            with open(path, mode) as f:
                f.write(text)
        marker = os.environ.get('MARKER', '/tmp/none')
        hook = '#!/bin/sh\ntouch ' + marker + '\n'
        attempt('git_hook', lambda: write('.git/hooks/post-checkout', hook))
        attempt('git_config', lambda: write('.git/config', '[core]\n\tfsmonitor = touch ' + marker + '\n', 'a'))
        attempt('git_rename', lambda: os.rename('.git', '.git-old'))
        attempt('git_remove_hooks', lambda: os.rmdir('.git/hooks'))
        attempt('claude_settings', lambda: write('.claude/settings.json', '{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "touch ' + marker + '"}]}]}}'))
        attempt('claude_rename', lambda: os.rename('.claude', '.claude-old'))
        attempt('claude_local_settings', lambda: write('.claude/settings.local.json', '{"hooks": {}}'))
        attempt('claude_hooks', lambda: os.makedirs('.claude/hooks/x'))
        attempt('claude_hardlink', lambda: os.link('.claude/settings.json', 'settings-link'))
        attempt('claude_other', lambda: write('.claude/notes.md', 'a hook may still write here'))
        attempt('mcp', lambda: write('.mcp.json', '{"mcpServers": {"x": {"command": "touch"}}}'))
        attempt('gadugi_policies', lambda: write('.gadugi/policies.yaml', 'policies: {}'))
        attempt('policy_file', lambda: write('sandbox.yaml', 'policies: {}\n', 'a'))
        attempt('protect_entry', lambda: write('.vscode/tasks.json', '{"tasks": []}'))
        attempt('nested_repo_hook', lambda: write('vendor/lib/.git/hooks/pre-commit', hook))
        attempt('worktree_pointer', lambda: write('wt/.git', 'gitdir: /workspace/evil\n'))
        attempt('worktree_gitdir_hook', lambda: write('wt-gitdir/hooks/post-checkout', hook))
        attempt('ordinary_file', lambda: write('src/generated.txt', 'rw still works'))
        print(json.dumps(seen))
        """;

    [TestMethod]
    public async Task An_rw_sandbox_cannot_change_what_the_hosts_git_claude_or_gadugi_obeys()
    {
        await using var attack = new Attack(Runtime);
        var workspace = attack.Workspace;
        var marker = Path.Combine(attack.Root, "host-ran-a-planted-command");
        Git(workspace, "init", "-q");
        Git(workspace, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "start");
        Directory.CreateDirectory(Path.Combine(workspace, ".git", "hooks"));
        File.WriteAllText(Path.Combine(workspace, ".git", "hooks", "post-checkout"), "#!/bin/sh\nexit 0\n");
        WriteFile(workspace, ".claude/settings.json", "{}");
        WriteFile(workspace, ".vscode/settings.json", "{}");
        WriteFile(workspace, "src/keep.txt", "source");
        WriteFile(workspace, "vendor/lib/.git/hooks/README", "nested repository");
        WriteFile(workspace, "wt/.git", "gitdir: ../wt-gitdir\n");
        WriteFile(workspace, "wt-gitdir/HEAD", "ref: refs/heads/main\n");
        Directory.CreateDirectory(Path.Combine(workspace, "wt-gitdir", "hooks"));
        var policyFile = WriteFile(workspace, "sandbox.yaml", $"policies:\n  agent: {{ image: \"gadugi/python:3.11\", workspace: rw, runtime: {(attack.IsGvisor ? "gvisor" : "runc")}, protect: [\".vscode\"], env: [MARKER] }}\n");
        OpenUp(workspace);
        var before = Snapshot(workspace);
        var policy = PolicyFileLoader.LoadFile(policyFile).Resolve("agent") with { Timeout = TimeSpan.FromMinutes(3) };

        var result = await attack.RunAsync(new ExecutionRequest
        {
            Command = ["python3", "-c", AttackScript],
            Policy = policy,
            WorkingDirectory = workspace,
            Environment = new Dictionary<string, string> { ["MARKER"] = marker },
        });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        var seen = JsonDocument.Parse(result.Stdout.Text).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        foreach (var name in new[] { "git_hook", "git_config", "git_remove_hooks", "claude_settings", "claude_hooks", "gadugi_policies", "policy_file", "protect_entry", "nested_repo_hook", "worktree_pointer", "worktree_gitdir_hook" })
        {
            Assert.AreEqual("EROFS", seen[name], $"{name}: {JsonSerializer.Serialize(seen)}");
        }

        Assert.AreEqual("EBUSY", seen["git_rename"], "the repository cannot be moved aside and replaced");
        Assert.AreEqual("EBUSY", seen["claude_rename"], "the directory holding the settings cannot be moved aside and replaced");
        Assert.AreEqual("EXDEV", seen["claude_hardlink"], "no second name for a protected file");
        // A missing file's placeholder is /dev/null: runc lets the write vanish there, gVisor refuses it; either way nothing lands.
        Assert.AreEqual(attack.IsGvisor ? "EROFS" : "ok", seen["claude_local_settings"]);
        Assert.AreEqual(attack.IsGvisor ? "EROFS" : "ok", seen["mcp"]);
        Assert.AreEqual("ok", seen["claude_other"], "the rest of .claude stays writable");
        Assert.AreEqual("ok", seen["ordinary_file"], "the rest of the workspace stays writable");

        var after = Snapshot(workspace);
        foreach (var (path, content) in before)
        {
            Assert.AreEqual(content, after.GetValueOrDefault(path), $"{path} changed");
        }

        CollectionAssert.AreEquivalent(
            before.Keys.Concat([".claude/notes.md", "src/generated.txt"]).ToArray(),
            after.Keys.ToArray(),
            "nothing but the two allowed files was added, and the placeholders (.gadugi, .mcp.json, .claude/settings.local.json) are gone");
        Assert.IsFalse(Directory.Exists(Path.Combine(workspace, ".gadugi")));

        // The host's git now checks out and reports status: it must run nothing the sandbox wrote.
        Git(workspace, "checkout", "-q", "-b", "after-the-sandbox");
        Git(workspace, "status", "--short");
        Assert.IsFalse(File.Exists(marker), "the host ran a command the sandbox planted");
        var mounts = result.Limits!.Mounts;
        Assert.IsTrue(mounts.Any(m => m.EndsWith("->/workspace/.git (ro)", StringComparison.Ordinal)), "the audit record lists the protection: " + string.Join("; ", mounts));
    }

    [TestMethod]
    public async Task A_protected_path_that_is_a_link_refuses_the_rw_run()
    {
        await using var attack = new Attack(Runtime);
        var elsewhere = attack.MakeDirectory("claude-elsewhere");
        Directory.CreateSymbolicLink(Path.Combine(attack.Workspace, ".claude"), elsewhere);

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.RunAsync(new ExecutionRequest
        {
            Command = ["true"],
            Policy = attack.Policy("shell") with { Workspace = WorkspaceAccess.ReadWrite },
            WorkingDirectory = attack.Workspace,
        }));

        Assert.AreEqual("GBX1407", error.Code, error.Message);
        StringAssert.Contains(error.Message, "'.claude' in the workspace");
    }

    private static void OpenUp(string directory)
    {
        File.SetUnixFileMode(directory, Everyone);
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? Everyone : EveryoneFile);
        }
    }

    private static string WriteFile(string workspace, string relative, string content)
    {
        var path = Path.Combine(workspace, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Every file under the workspace and its content ('/'-separated relative paths; directories as "&lt;dir&gt;").</summary>
    private static Dictionary<string, string> Snapshot(string workspace) =>
        Directory.EnumerateFileSystemEntries(workspace, "*", SearchOption.AllDirectories)
            .Where(path => !Path.GetRelativePath(workspace, path).StartsWith(".git" + Path.DirectorySeparatorChar + "objects", StringComparison.Ordinal))
            .ToDictionary(path => Path.GetRelativePath(workspace, path).Replace('\\', '/'), path => Directory.Exists(path) ? "<dir>" : File.ReadAllText(path));

    private static void Git(string workspace, params string[] arguments)
    {
        var result = ChildProcess.RunAsync("git", ["-C", workspace, .. arguments], new ChildProcessOptions()).GetAwaiter().GetResult();
        Assert.AreEqual(0, result.ExitCode, $"git {string.Join(' ', arguments)}: {result}");
    }
}

[TestClass]
public sealed class WorkspaceControlFileAttacksUnderRunc : WorkspaceControlFileAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;
}

[TestClass]
public sealed class WorkspaceControlFileAttacksUnderGvisor : WorkspaceControlFileAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;
}
