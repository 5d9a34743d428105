namespace Gadugi.BuildExec.Action.Tests.Support;

/// <summary>
/// What the runner prepares for a container action, on this host: a checked-out workspace, the
/// home, workflow (event.json) and file-commands directories, and the environment it passes.
/// </summary>
public sealed class ActionWorkspace : IDisposable
{
    private readonly TempDirectory _root = new("gadugi-action-run");

    public ActionWorkspace(string eventJson, string eventName = "pull_request")
    {
        Workspace = _root.CreateDirectory("work", "sample", "sample");
        Home = _root.CreateDirectory("_temp", "_github_home");
        Workflow = _root.CreateDirectory("_temp", "_github_workflow");
        FileCommands = _root.CreateDirectory("_temp", "_runner_file_commands");
        EventName = eventName;
        File.WriteAllText(Path.Combine(Workflow, "event.json"), eventJson);
        File.WriteAllText(Path.Combine(FileCommands, "set_output_1"), string.Empty);
        File.WriteAllText(Path.Combine(FileCommands, "step_summary_1"), string.Empty);
    }

    public string Workspace { get; }

    public string Home { get; }

    public string Workflow { get; }

    public string FileCommands { get; }

    public string EventName { get; }

    public string OutputFile => Path.Combine(FileCommands, "set_output_1");

    public string SummaryFile => Path.Combine(FileCommands, "step_summary_1");

    /// <summary>The action's audit log: under HOME (/github/home, i.e. this host's _github_home), outside the workspace.</summary>
    public string AuditLog => Path.Combine(Home, "gadugi", "audit.jsonl");

    public string Summary => File.ReadAllText(SummaryFile);

    public string WriteFile(string relative, string content)
    {
        var path = Path.Combine(Workspace, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The sample repository: a script that prints compiler messages and fails.</summary>
    public void WriteSampleRepository()
    {
        WriteFile("src/Program.cs", "class Program { static void Main() { } }\n");
        WriteFile("scripts/check.sh", """
            echo "checking src/Program.cs"
            echo "src/Program.cs(12,7): error CS1002: ; expected [/workspace/sample.csproj]"
            echo "/workspace/src/Program.cs(3,1): warning CA1822: Member 'Main' does not access instance data"
            echo "/usr/include/stdio.h(1,1): warning X1: outside the workspace"
            echo "::error::injected by the script"
            exit 2
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
    }

    /// <summary>.git/config as actions/checkout leaves it with its default persist-credentials: true.</summary>
    public static string CheckoutGitConfig(string basic) => $"""
        [core]
        	repositoryformatversion = 0
        	filemode = true
        	bare = false
        	logallrefupdates = true
        [remote "origin"]
        	url = https://github.com/octo/sample
        	fetch = +refs/heads/*:refs/remotes/origin/*
        [gc]
        	auto = 0
        [http "https://github.com/"]
        	extraheader = AUTHORIZATION: basic {basic}

        """.Replace("\r", string.Empty, StringComparison.Ordinal);

    /// <summary>Writes .git/config with the persisted credential; returns its path.</summary>
    public string WriteCheckoutGitConfig(string basic) => WriteFile(".git/config", CheckoutGitConfig(basic));

    /// <summary>The variables the runner passes (docker run -e …), as the action sees them inside its container.</summary>
    public Dictionary<string, string> Environment(string apiUrl, string token, IReadOnlyDictionary<string, string> inputs, string workspaceInside = "/github/workspace")
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var inside = workspaceInside == "/github/workspace";
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = inside ? "/github/home" : Home,
            ["GITHUB_JOB"] = "build",
            ["GITHUB_REF"] = "refs/pull/7/merge",
            ["GITHUB_SHA"] = Events.MergeSha,
            ["GITHUB_REPOSITORY"] = Events.Repository,
            ["GITHUB_REPOSITORY_OWNER"] = "octo",
            ["GITHUB_RUN_ID"] = "4242",
            ["GITHUB_ACTOR"] = "octocat",
            ["GITHUB_WORKFLOW"] = "ci",
            ["GITHUB_HEAD_REF"] = "feature",
            ["GITHUB_BASE_REF"] = "main",
            ["GITHUB_EVENT_NAME"] = EventName,
            ["GITHUB_SERVER_URL"] = "https://github.example",
            ["GITHUB_API_URL"] = apiUrl,
            ["GITHUB_GRAPHQL_URL"] = apiUrl.TrimEnd('/') + "/graphql",
            ["GITHUB_WORKSPACE"] = inside ? "/github/workspace" : Workspace,
            ["GITHUB_ACTION"] = "__self",
            ["GITHUB_EVENT_PATH"] = inside ? "/github/workflow/event.json" : Path.Combine(Workflow, "event.json"),
            ["GITHUB_ACTION_REPOSITORY"] = string.Empty,
            ["GITHUB_ACTION_REF"] = string.Empty,
            ["GITHUB_PATH"] = inside ? "/github/file_commands/add_path_1" : Path.Combine(FileCommands, "add_path_1"),
            ["GITHUB_ENV"] = inside ? "/github/file_commands/set_env_1" : Path.Combine(FileCommands, "set_env_1"),
            ["GITHUB_STEP_SUMMARY"] = inside ? "/github/file_commands/step_summary_1" : SummaryFile,
            ["GITHUB_STATE"] = inside ? "/github/file_commands/save_state_1" : Path.Combine(FileCommands, "save_state_1"),
            ["GITHUB_OUTPUT"] = inside ? "/github/file_commands/set_output_1" : OutputFile,
            ["RUNNER_OS"] = "Linux",
            ["RUNNER_TEMP"] = "/home/runner/work/_temp",
            ["RUNNER_WORKSPACE"] = "/home/runner/work/sample",
            ["ACTIONS_RUNTIME_URL"] = "http://127.0.0.1:9/",
            ["ACTIONS_RUNTIME_TOKEN"] = "runtime-token",
            ["GITHUB_ACTIONS"] = "true",
            ["CI"] = "true",
        };
        foreach (var (name, value) in inputs)
        {
            environment["INPUT_" + name.ToUpperInvariant()] = value;
        }

        if (!inputs.ContainsKey("github_token"))
        {
            environment["INPUT_GITHUB_TOKEN"] = token;
        }

        return environment;
    }

    /// <summary>GITHUB_OUTPUT as the runner reads it.</summary>
    public Dictionary<string, string> Outputs()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = File.ReadAllText(OutputFile).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var heredoc = lines[i].IndexOf("<<", StringComparison.Ordinal);
            if (heredoc <= 0)
            {
                continue;
            }

            var delimiter = lines[i][(heredoc + 2)..];
            var value = new List<string>();
            var name = lines[i][..heredoc];
            while (lines[++i] != delimiter)
            {
                value.Add(lines[i]);
            }

            result[name] = string.Join('\n', value);
        }

        return result;
    }

    public void Dispose() => _root.Dispose();
}
