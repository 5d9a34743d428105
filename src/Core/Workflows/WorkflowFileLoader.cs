using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// Reads <c>.gadugi/workflow.yaml</c> into a <see cref="WorkflowDefinition"/>. Every problem is collected
/// with its line and column (<see cref="WorkflowIssue"/>); a file with any problem yields nothing to run.
/// </summary>
public static class WorkflowFileLoader
{
    private static readonly string[] TopKeys = ["version", "policy_file", "max_parallel", "isolation", "base", "phases", "tasks"];
    private static readonly string[] PhaseKeys = ["id", "policy", "steps", "checkpoint", "inputs", "gate", "artifact"];
    private static readonly string[] StepKeys = ["id", "run", "env", "continue_on_error"];
    private static readonly string[] TaskKeys = ["id", "ref", "needs", "vars", "dir"];

    public static WorkflowDefinition LoadFile(string path, Func<string, PolicySet>? loadPolicies = null)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowFileNotFound), fullPath));
        }

        return Parse(File.ReadAllText(fullPath), fullPath, loadPolicies);
    }

    public static WorkflowDefinition Parse(string yaml, string fileName, Func<string, PolicySet>? loadPolicies = null)
    {
        var context = new WorkflowParseContext(fileName);
        var root = LoadDocument(yaml, context);
        WorkflowDefinition? definition = null;
        if (root is not null)
        {
            definition = new WorkflowReader(context, loadPolicies ?? PolicyFileLoader.LoadFile).Read(root);
        }

        if (context.Issues.Count > 0 || definition is null)
        {
            throw new WorkflowFileException(fileName, context.Issues);
        }

        return definition;
    }

    /// <summary>The project root for a workflow file: the folder holding its <c>.gadugi/</c>, else the file's folder.</summary>
    public static string RootOf(string workflowFile)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(workflowFile))!;
        return Path.GetFileName(folder) == ".gadugi" ? Path.GetDirectoryName(folder)! : folder;
    }

    private static YamlMappingNode? LoadDocument(string yaml, WorkflowParseContext context)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            var reason = (ex.InnerException?.Message ?? ex.Message).Split(Environment.NewLine)[0];
            context.Report(ex.Start, "(file)", nameof(DiagnosticMessages.WorkflowYamlSyntax), context.File, reason);
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            context.Report(node?.Start ?? Mark.Empty, "(file)", nameof(DiagnosticMessages.WorkflowInvalidValue), "(file)", node is null ? "an empty document" : Describe(node), "a mapping with 'version', 'phases' and 'tasks'");
            return null;
        }

        return root;
    }

    internal static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };

    private sealed class WorkflowReader(WorkflowParseContext context, Func<string, PolicySet> loadPolicies)
    {
        private PolicySet _policies = PolicySet.BuiltInOnly;

        public WorkflowDefinition? Read(YamlMappingNode root)
        {
            var keys = Keys(root, "(top level)", TopKeys);
            var root_ = WorkflowFileLoader.RootOf(context.File);

            if (!keys.TryGetValue("version", out var version))
            {
                context.Report(root.Start, "version", nameof(DiagnosticMessages.WorkflowMissingKey), "(top level)", "version", "version: 1");
            }
            else if (Scalar(version) != "1")
            {
                Invalid(version, "version", "1");
            }

            string? policyFile = null;
            if (keys.TryGetValue("policy_file", out var policyNode))
            {
                policyFile = Scalar(policyNode);
                if (string.IsNullOrWhiteSpace(policyFile))
                {
                    Invalid(policyNode, "policy_file", "a path relative to the workflow file, e.g. policies.yaml");
                }
                else
                {
                    policyFile = Path.GetFullPath(policyFile, Path.GetDirectoryName(context.File)!);
                    try
                    {
                        _policies = loadPolicies(policyFile);
                    }
                    catch (GadugiException ex)
                    {
                        context.Report(policyNode.Start, "policy_file", nameof(DiagnosticMessages.WorkflowPolicyFileUnusable), policyFile, ex.Message);
                        policyFile = null;
                    }
                }
            }

            var maxParallel = 4;
            if (keys.TryGetValue("max_parallel", out var parallelNode))
            {
                maxParallel = int.TryParse(Scalar(parallelNode), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64 ? n : Invalid(parallelNode, "max_parallel", "a whole number from 1 to 64", 4);
            }

            var isolation = WorkflowIsolation.Worktree;
            if (keys.TryGetValue("isolation", out var isolationNode))
            {
                isolation = Scalar(isolationNode) switch
                {
                    "worktree" => WorkflowIsolation.Worktree,
                    "directory" => WorkflowIsolation.Directory,
                    _ => Invalid(isolationNode, "isolation", "\"worktree\" (each task in .worktrees/<task>) or \"directory\"", WorkflowIsolation.Worktree),
                };
            }

            var baseRef = keys.TryGetValue("base", out var baseNode) ? Scalar(baseNode) ?? Invalid<string?>(baseNode, "base", "a branch, tag or commit", null) : null;
            var phases = keys.TryGetValue("phases", out var phasesNode) ? ReadPhases(phasesNode) : Missing<WorkflowPhase>(root, "phases", "phases: [ { id: build, policy: shell, steps: [ { run: make } ] } ]");
            var tasks = keys.TryGetValue("tasks", out var tasksNode) ? ReadTasks(tasksNode, isolation) : Missing<WorkflowTask>(root, "tasks", "tasks: [ { id: task-1 } ]");

            CheckNeeds(tasks.Select(t => t.Task).ToList());
            CheckSharedWrites(tasks, phases.Select(p => p.Item1).ToList(), isolation, root_);
            if (phases.Any(p => p.Item1.Checkpoint) || isolation == WorkflowIsolation.Worktree)
            {
                CheckGit(isolationNode ?? root, isolation, root_);
            }

            if (context.Issues.Count > 0)
            {
                return null;
            }

            return new WorkflowDefinition
            {
                File = context.File,
                Root = root_,
                PolicyFile = policyFile,
                Policies = _policies,
                MaxParallel = maxParallel,
                Isolation = isolation,
                Base = baseRef ?? "HEAD",
                Phases = phases.Select(p => p.Item1).ToArray(),
                Tasks = tasks.Select(t => t.Item1).ToArray(),
            };
        }

        private List<(WorkflowPhase Phase, YamlNode Node)> ReadPhases(YamlNode node)
        {
            var result = new List<(WorkflowPhase Phase, YamlNode Node)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (_, phaseMap, keys) in MappingsOf(node, "phases", PhaseKeys, "a non-empty list of phases", "a mapping such as { id: testing, policy: testing, steps: [...] }"))
            {
                var id = Id(keys, phaseMap, "phases[]", seen, "phase");
                var where = "phases." + id;
                SandboxPolicy? policy = null;
                if (keys.TryGetValue("policy", out var policyNode))
                {
                    var name = Scalar(policyNode) ?? string.Empty;
                    if (_policies.FilePolicies.TryGetValue(name, out var found) || PolicyDefaults.BuiltIn.TryGetValue(name, out found))
                    {
                        policy = found;
                    }
                    else
                    {
                        context.Report(policyNode.Start, where + ".policy", nameof(DiagnosticMessages.WorkflowUnknownPolicy), where, name, _policies.File ?? "(no policy_file)", string.Join(", ", _policies.Names));
                    }
                }
                else
                {
                    context.Report(phaseMap.Start, where + ".policy", nameof(DiagnosticMessages.WorkflowMissingKey), where, "policy", "policy: shell");
                }

                var steps = keys.TryGetValue("steps", out var stepsNode) ? ReadSteps(stepsNode, where, policy) : Missing<WorkflowStep>(phaseMap, where + ".steps", "steps: [ { run: make test } ]").Select(s => s.Task).ToList();
                var inputs = keys.TryGetValue("inputs", out var inputsNode) ? Names(inputsNode, where + ".inputs") : [];
                foreach (var (input, inputNode) in inputs)
                {
                    if (!result.Any(p => p.Phase.Id == input))
                    {
                        context.Report(inputNode.Start, where + ".inputs", nameof(DiagnosticMessages.WorkflowUnknownInput), where, input, string.Join(", ", result.Select(p => p.Phase.Id).DefaultIfEmpty("(none)")));
                    }
                }

                var gate = new List<string>();
                if (keys.TryGetValue("gate", out var gateNode))
                {
                    if (gateNode is YamlMappingNode gateMap)
                    {
                        var gateKeys = Keys(gateMap, where + ".gate", ["outputs"]);
                        if (gateKeys.TryGetValue("outputs", out var outputsNode))
                        {
                            foreach (var (path, pathNode) in Names(outputsNode, where + ".gate.outputs", anyText: true))
                            {
                                if (RelativePath(path, pathNode, where + ".gate.outputs"))
                                {
                                    gate.Add(path);
                                }
                            }
                        }
                    }
                    else
                    {
                        Invalid(gateNode, where + ".gate", "a mapping such as { outputs: [report.txt] }");
                    }
                }

                string? artifact = null;
                if (keys.TryGetValue("artifact", out var artifactNode))
                {
                    artifact = Scalar(artifactNode);
                    if (artifact is null || !RelativePath(artifact, artifactNode, where + ".artifact"))
                    {
                        artifact = null;
                    }
                }

                var checkpoint = keys.TryGetValue("checkpoint", out var checkpointNode) && Bool(checkpointNode, where + ".checkpoint");
                if (checkpoint && policy is { Workspace: WorkspaceAccess.ReadOnly })
                {
                    Invalid(checkpointNode!, where + ".checkpoint", $"false: policy '{policy.Name}' mounts the workspace read-only, so the phase has nothing to commit");
                }

                if (policy is not null)
                {
                    result.Add((new WorkflowPhase
                    {
                        Id = id,
                        Policy = policy,
                        Steps = steps,
                        Checkpoint = checkpoint,
                        Inputs = inputs.Select(i => i.Name).ToArray(),
                        GateOutputs = gate,
                        Artifact = artifact,
                    }, phaseMap));
                }
            }

            return result;
        }

        private List<WorkflowStep> ReadSteps(YamlNode node, string where, SandboxPolicy? policy)
        {
            var steps = new List<WorkflowStep>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (index, stepMap, keys) in MappingsOf(node, where + ".steps", StepKeys, "a non-empty list of steps such as { run: make test }", "a mapping such as { id: unit, run: python3 -m unittest }"))
            {
                var id = keys.ContainsKey("id") ? Id(keys, stepMap, where + ".steps[]", seen, "step") : "step" + index.ToString(CultureInfo.InvariantCulture);
                seen.Add(id);
                var stepWhere = where + ".steps." + id;
                var run = keys.TryGetValue("run", out var runNode) ? Scalar(runNode) : null;
                if (string.IsNullOrWhiteSpace(run))
                {
                    context.Report(runNode?.Start ?? stepMap.Start, stepWhere + ".run", nameof(DiagnosticMessages.WorkflowMissingKey), stepWhere, "run", "run: make test");
                    continue;
                }

                var env = keys.TryGetValue("env", out var envNode) ? Names(envNode, stepWhere + ".env") : [];
                foreach (var (name, nameNode) in env)
                {
                    if (!PolicyValueParser.IsEnvironmentName(name))
                    {
                        Invalid(nameNode, stepWhere + ".env", "variable names (letters, digits and '_'); values come from the caller's environment");
                    }
                    else if (policy is not null && !policy.EnvAllowlist.Contains(name, StringComparer.Ordinal))
                    {
                        context.Report(nameNode.Start, stepWhere + ".env", nameof(DiagnosticMessages.WorkflowEnvNotAllowed), stepWhere, name, policy.Name, policy.Source);
                    }
                }

                steps.Add(new WorkflowStep
                {
                    Id = id,
                    Run = run,
                    Env = env.Select(e => e.Name).ToArray(),
                    ContinueOnError = keys.TryGetValue("continue_on_error", out var coe) && Bool(coe, stepWhere + ".continue_on_error"),
                });
            }

            return steps;
        }

        private List<(WorkflowTask Task, YamlNode Node)> ReadTasks(YamlNode node, WorkflowIsolation isolation)
        {
            var tasks = new List<(WorkflowTask Task, YamlNode Node)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (_, taskMap, keys) in MappingsOf(node, "tasks", TaskKeys, "a non-empty list of tasks such as { id: task-1 }", "a mapping such as { id: task-1, needs: [task-0] }"))
            {
                var id = Id(keys, taskMap, "tasks[]", seen, "task");
                var where = "tasks." + id;
                var vars = new Dictionary<string, string>(StringComparer.Ordinal);
                if (keys.TryGetValue("vars", out var varsNode))
                {
                    if (varsNode is YamlMappingNode varMap)
                    {
                        foreach (var (key, value) in varMap.Children)
                        {
                            var name = Scalar(key) ?? string.Empty;
                            if (!PolicyValueParser.IsEnvironmentName(name) || Scalar(value) is not { } text)
                            {
                                Invalid(key, where + ".vars", "NAME: text pairs, NAME of letters, digits and '_' (passed as GADUGI_VAR_<NAME>)");
                                continue;
                            }

                            vars[name.ToUpperInvariant()] = text;
                        }
                    }
                    else
                    {
                        Invalid(varsNode, where + ".vars", "a mapping such as { prompt: prompts/add-cache.md }");
                    }
                }

                string? dir = null;
                if (keys.TryGetValue("dir", out var dirNode))
                {
                    dir = Scalar(dirNode);
                    if (isolation != WorkflowIsolation.Directory)
                    {
                        Invalid(dirNode, where + ".dir", "no 'dir' with isolation: worktree (each task has .worktrees/<task>); use isolation: directory");
                    }
                    else if (dir is null || !RelativePath(dir, dirNode, where + ".dir"))
                    {
                        dir = null;
                    }
                }

                keys.TryGetValue("needs", out var needsNode);
                tasks.Add((new WorkflowTask
                {
                    Id = id,
                    Ref = keys.TryGetValue("ref", out var refNode) ? Scalar(refNode) : null,
                    Needs = needsNode is null ? [] : Names(needsNode, where + ".needs").Select(n => n.Name).ToArray(),
                    Vars = vars,
                    Dir = dir,
                }, taskMap));
                if (needsNode is not null)
                {
                    _needsNodes[id] = needsNode;
                }
            }

            return tasks;
        }

        private readonly Dictionary<string, YamlNode> _needsNodes = new(StringComparer.Ordinal);

        private void CheckNeeds(IReadOnlyList<WorkflowTask> tasks)
        {
            var ids = tasks.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
            var unknown = false;
            foreach (var task in tasks)
            {
                foreach (var need in task.Needs.Where(n => !ids.Contains(n)))
                {
                    unknown = true;
                    context.Report(_needsNodes[task.Id].Start, "tasks." + task.Id + ".needs", nameof(DiagnosticMessages.WorkflowUnknownNeeds), task.Id, need, string.Join(", ", ids.Order(StringComparer.Ordinal)));
                }
            }

            if (!unknown && TaskGraph.FindCycle(tasks) is { } cycle)
            {
                context.Report(_needsNodes[cycle[0]].Start, "tasks." + cycle[0] + ".needs", nameof(DiagnosticMessages.WorkflowCycle), string.Join(" → ", cycle));
            }
        }

        private void CheckSharedWrites(List<(WorkflowTask Task, YamlNode Node)> tasks, IReadOnlyList<WorkflowPhase> phases, WorkflowIsolation isolation, string root)
        {
            if (isolation != WorkflowIsolation.Directory || !phases.Any(p => p.Writes))
            {
                return;
            }

            var directories = new List<(string Task, string Dir)>();
            foreach (var (task, node) in tasks)
            {
                var dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(task.Dir ?? ".", root));
                var clash = directories.FirstOrDefault(d => Nested(d.Dir, dir) || Nested(dir, d.Dir));
                if (clash.Task is not null)
                {
                    context.Report(node.Start, "tasks." + task.Id + ".dir", nameof(DiagnosticMessages.WorkflowSharedWriteDirectory), task.Id, clash.Task, dir, clash.Dir, string.Join(", ", phases.Where(p => p.Writes).Select(p => p.Id)));
                }

                directories.Add((task.Id, dir));
            }

            static bool Nested(string outer, string inner) => inner == outer || inner.StartsWith(outer + "/", StringComparison.Ordinal);
        }

        private void CheckGit(YamlNode at, WorkflowIsolation isolation, string root)
        {
            if (GitRepository.TopLevel(root) is null)
            {
                var why = isolation == WorkflowIsolation.Worktree ? "isolation: worktree" : "checkpoint: true";
                context.Report(at.Start, isolation == WorkflowIsolation.Worktree ? "isolation" : "phases.checkpoint", nameof(DiagnosticMessages.WorkflowNeedsGit), why, root);
            }
        }

        private bool RelativePath(string path, YamlNode node, string field)
        {
            var parts = path.Replace('\\', '/').Split('/');
            if (path.Length == 0 || path.StartsWith('/') || parts.Contains("..") || parts.Contains(".git"))
            {
                context.Report(node.Start, field, nameof(DiagnosticMessages.WorkflowPathEscapes), field, path);
                return false;
            }

            return true;
        }

        private string Id(Dictionary<string, YamlNode> keys, YamlMappingNode map, string where, HashSet<string> seen, string what)
        {
            if (!keys.TryGetValue("id", out var idNode))
            {
                context.Report(map.Start, where + ".id", nameof(DiagnosticMessages.WorkflowMissingKey), where, "id", "id: " + what + "-1");
                return "(no id)";
            }

            var id = Scalar(idNode) ?? string.Empty;
            if (!WorkflowNames.IsValid(id))
            {
                Invalid(idNode, where + ".id", WorkflowNames.Allowed);
            }
            else if (!seen.Add(id))
            {
                context.Report(idNode.Start, where + ".id", nameof(DiagnosticMessages.WorkflowDuplicateId), what, id);
            }

            return id;
        }

        private List<(string Name, YamlNode Node)> Names(YamlNode node, string field, bool anyText = false)
        {
            var names = new List<(string, YamlNode)>();
            if (node is not YamlSequenceNode list)
            {
                Invalid(node, field, "a list, e.g. [a, b]");
                return names;
            }

            foreach (var item in list.Children)
            {
                if (Scalar(item) is { Length: > 0 } name && (anyText || !name.Any(char.IsWhiteSpace)))
                {
                    names.Add((name, item));
                }
                else
                {
                    Invalid(item, field, "a name");
                }
            }

            return names;
        }

        private bool Bool(YamlNode node, string field) => Scalar(node) switch
        {
            "true" => true,
            "false" => false,
            _ => Invalid(node, field, "true or false", false),
        };

        /// <summary>
        /// The entries of the non-empty list at <paramref name="field"/> that are mappings, each with its
        /// 1-based place in the list and its keys checked against <paramref name="allowed"/>; a list that is
        /// missing or empty and an entry that is no mapping are reported where they are, and skipped.
        /// </summary>
        private IEnumerable<(int Index, YamlMappingNode Map, Dictionary<string, YamlNode> Keys)> MappingsOf(YamlNode node, string field, string[] allowed, string expectedList, string expectedEntry)
        {
            if (node is not YamlSequenceNode list || list.Children.Count == 0)
            {
                Invalid(node, field, expectedList);
                yield break;
            }

            var index = 0;
            foreach (var item in list.Children)
            {
                index++;
                if (item is not YamlMappingNode map)
                {
                    Invalid(item, field + "[]", expectedEntry);
                    continue;
                }

                yield return (index, map, Keys(map, field + "[]", allowed));
            }
        }

        private Dictionary<string, YamlNode> Keys(YamlMappingNode map, string where, string[] allowed)
        {
            var keys = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in map.Children)
            {
                var key = Scalar(keyNode) ?? string.Empty;
                if (!allowed.Contains(key))
                {
                    context.Report(keyNode.Start, where + "." + key, nameof(DiagnosticMessages.WorkflowUnknownKey), where, key, string.Join(", ", allowed), PolicyFileLoader.Suggest(key, allowed));
                    continue;
                }

                keys[key] = valueNode;
            }

            return keys;
        }

        private List<(T Task, YamlNode Node)> Missing<T>(YamlNode at, string key, string example)
        {
            context.Report(at.Start, key, nameof(DiagnosticMessages.WorkflowMissingKey), "(top level)", key, example);
            return [];
        }

        private void Invalid(YamlNode node, string field, string allowed) => Invalid<bool>(node, field, allowed, false);

        private T Invalid<T>(YamlNode node, string field, string allowed, T fallback)
        {
            context.Report(node.Start, field, nameof(DiagnosticMessages.WorkflowInvalidValue), field, Describe(node), allowed);
            return fallback;
        }

        private static string? Scalar(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value : null;
    }
}

/// <summary>Collects located issues while a workflow file is read.</summary>
internal sealed class WorkflowParseContext(string file)
{
    public string File { get; } = file;

    public List<WorkflowIssue> Issues { get; } = [];

    public void Report(Mark mark, string field, string resourceName, params object?[] args)
    {
        var line = mark.Line <= 0 ? 1 : mark.Line;
        var column = mark.Column <= 0 ? 1 : mark.Column;
        Issues.Add(new WorkflowIssue(File, line, column, field, Diagnostic.Create(resourceName, args)));
    }
}

internal static partial class WorkflowNames
{
    public const string Allowed = "an id of letters, digits, '.', '_' or '-', starting with a letter or digit (at most 63)";

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial System.Text.RegularExpressions.Regex Pattern();

    public static bool IsValid(string name) => Pattern().IsMatch(name) && name != "." && name != "..";
}
