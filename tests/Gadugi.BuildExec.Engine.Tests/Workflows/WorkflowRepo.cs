using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Engine.Tests.Workflows;

/// <summary>A throwaway git repository with a .gadugi/workflow.yaml and a policy file, and a runner writing to its own audit log.</summary>
internal sealed class WorkflowRepo : IDisposable
{
    public const string Policies = """
        policies:
          impl:
            image: "gadugi/shell:5.2"
            timeout: "2m"
            workspace: rw
            env: [FAST]
          check:
            image: "gadugi/shell:5.2"
            timeout: "2m"
            env: [FAST]
          brief:
            image: "gadugi/shell:5.2"
            timeout: "15s"
        """;

    public WorkflowRepo()
    {
        Root = Directory.CreateTempSubdirectory("gadugi-workflow-test-").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0x1ED);
        Directory.CreateDirectory(Path.Combine(Root, ".gadugi"));
        File.WriteAllText(Path.Combine(Root, ".gadugi", "policies.yaml"), Policies);
        File.WriteAllText(Path.Combine(Root, "README.md"), "project\n");
        Git("init", "-q", "-b", "main");
        Git("add", "-A");
        Git("commit", "-q", "-m", "base");
    }

    public string Root { get; }

    public string AuditLog => Path.Combine(Root, "..", Path.GetFileName(Root) + ".audit.jsonl");

    public string WorkflowFile => Path.Combine(Root, ".gadugi", "workflow.yaml");

    public WorkflowDefinition Write(string yaml)
    {
        File.WriteAllText(WorkflowFile, yaml);
        return WorkflowFileLoader.LoadFile(WorkflowFile);
    }

    public WorkflowRunner Runner(List<JournalEntry>? events = null, Func<string, string?>? environment = null) => new(new WorkflowRunnerOptions
    {
        Environment = environment ?? (_ => null),
        Executor = new ExecutorOptions { AuditLogPath = AuditLog, MaxConcurrency = 10 },
        Observer = events is null ? null : entry => { lock (events) { events.Add(entry); } },
        Caller = "test",
    });

    public IReadOnlyList<JournalEntry> Journal(string runId) => RunJournalReader.Read(Path.Combine(Root, ".gadugi", "runs", runId, "journal.jsonl"));

    public string Git(params string[] arguments)
    {
        var result = ChildProcess.RunAsync("git", ["-C", Root, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "safe.directory=*", .. arguments]).GetAwaiter().GetResult();
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return result.Stdout.Trim();
    }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        File.Delete(AuditLog);
    }
}

internal static class RunJournalReader
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };

    public static IReadOnlyList<JournalEntry> Read(string path) =>
        File.ReadAllLines(path).Select(line => System.Text.Json.JsonSerializer.Deserialize<JournalEntry>(line, Options)!).ToList();
}
