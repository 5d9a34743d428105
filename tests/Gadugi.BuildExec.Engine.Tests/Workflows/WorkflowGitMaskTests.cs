using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Engine.Tests.Workflows;

/// <summary>
/// With <c>isolation: directory</c> the sandbox shares the repository's directory, so Git's metadata
/// is masked: a hostile step can neither read the repository's config nor plant a hook the host's git
/// would run, whether its workspace is read-write or read-only, and whether '.git' is a directory or a
/// worktree's link file.
/// </summary>
[TestClass]
public sealed class WorkflowGitMaskTests
{
    /// <summary>What a hostile step tries; each line says whether it got through.</summary>
    private const string Attack = """
        {
          echo "list:[$(ls -A .git/ 2>/dev/null | tr '\n' ' ')]"
          if [ -n "$(cat .git/config .git 2>/dev/null)" ]; then echo "read:yes"; else echo "read:no"; fi
          if (mkdir -p .git/hooks && printf '#!/bin/sh\ntouch /tmp/pwned\n' > .git/hooks/post-checkout) 2>/dev/null; then echo "hook:yes"; else echo "hook:no"; fi
          if mv .git .git-away 2>/dev/null; then echo "move:yes"; mv .git-away .git; else echo "move:no"; fi
        } > /output/attack.txt
        """;

    [TestMethod]
    public async Task A_step_in_a_shared_directory_sees_an_empty_git_and_cannot_read_its_config_or_plant_a_hook()
    {
        using var repo = new WorkflowRepo();
        var workflow = repo.Write($$"""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            phases:
              - id: write
                policy: impl
                steps:
                  - run: |
            {{Indent(Attack, 14)}}
              - id: read
                policy: check
                steps:
                  - run: |
            {{Indent(Attack, 14)}}
            tasks:
              - { id: t }
            """);
        var gitBefore = Listing(Path.Combine(repo.Root, ".git"));
        var head = repo.Git("rev-parse", "HEAD");

        var result = await repo.Runner().RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Passed, result.Status, File.ReadAllText(result.SummaryMarkdownPath));
        foreach (var phase in new[] { "write", "read" })
        {
            var attack = File.ReadAllText(Path.Combine(result.RunDirectory, "tasks", "t", phase, "output", "attack.txt"));
            Assert.AreEqual("list:[]\nread:no\nhook:no\nmove:no\n", attack, phase);
        }

        Assert.IsFalse(File.Exists(Path.Combine(repo.Root, ".git", "hooks", "post-checkout")), "no hook reached the host");
        CollectionAssert.AreEqual(gitBefore, Listing(Path.Combine(repo.Root, ".git")), "the host's .git is as it was: the masks left nothing behind");
        Assert.AreEqual(head, repo.Git("rev-parse", "HEAD"));
    }

    [TestMethod]
    public async Task A_step_in_a_worktree_directory_cannot_read_its_git_link()
    {
        using var repo = new WorkflowRepo();
        repo.Git("worktree", "add", "-q", "-b", "side", Path.Combine(repo.Root, "side"));
        var link = File.ReadAllText(Path.Combine(repo.Root, "side", ".git"));
        StringAssert.StartsWith(link, "gitdir:");
        var workflow = repo.Write($$"""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            phases:
              - id: write
                policy: impl
                steps:
                  - run: |
            {{Indent(Attack, 14)}}
            tasks:
              - { id: t, dir: side }
            """);

        var result = await repo.Runner().RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Passed, result.Status, File.ReadAllText(result.SummaryMarkdownPath));
        var attack = File.ReadAllText(Path.Combine(result.RunDirectory, "tasks", "t", "write", "output", "attack.txt"));
        Assert.AreEqual("list:[]\nread:no\nhook:no\nmove:no\n", attack);
        Assert.AreEqual(link, File.ReadAllText(Path.Combine(repo.Root, "side", ".git")), "the link file on the host is untouched");
    }

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n').Select(line => new string(' ', spaces) + line));

    private static List<string> Listing(string directory) =>
        Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories)
            .Select(entry => Path.GetRelativePath(directory, entry) + " " + (File.Exists(entry) ? new FileInfo(entry).Length : -1))
            .Order(StringComparer.Ordinal)
            .ToList();
}
