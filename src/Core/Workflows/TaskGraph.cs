namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>The tasks' <c>needs</c> as a graph: cycles and levels (pure).</summary>
public static class TaskGraph
{
    /// <summary>A cycle as the ids along it, the first repeated at the end (a → b → a); null when there is none.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyList<WorkflowTask> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var byId = tasks.DistinctBy(t => t.Id).ToDictionary(t => t.Id, StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var task in tasks)
        {
            if (Visit(task.Id) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        IReadOnlyList<string>? Visit(string id)
        {
            if (state.GetValueOrDefault(id) == 2 || !byId.TryGetValue(id, out var task))
            {
                return null;
            }

            if (state.GetValueOrDefault(id) == 1)
            {
                return [.. path[path.IndexOf(id)..], id];
            }

            state[id] = 1;
            path.Add(id);
            foreach (var need in task.Needs)
            {
                if (Visit(need) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }
    }

    /// <summary>Tasks grouped by depth: level 0 needs nothing, level n needs something of level n-1.</summary>
    public static IReadOnlyList<IReadOnlyList<WorkflowTask>> Levels(IReadOnlyList<WorkflowTask> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var byId = tasks.DistinctBy(t => t.Id).ToDictionary(t => t.Id, StringComparer.Ordinal);
        var level = new Dictionary<string, int>(StringComparer.Ordinal);
        int LevelOf(string id) => level.TryGetValue(id, out var known)
            ? known
            : level[id] = byId[id].Needs.Where(byId.ContainsKey).Select(LevelOf).DefaultIfEmpty(-1).Max() + 1;
        return tasks.GroupBy(t => LevelOf(t.Id)).OrderBy(g => g.Key).Select(g => (IReadOnlyList<WorkflowTask>)g.ToArray()).ToArray();
    }

    /// <summary>Every task <paramref name="id"/> depends on, directly or not.</summary>
    public static IReadOnlySet<string> Ancestors(IReadOnlyList<WorkflowTask> tasks, string id)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var byId = tasks.DistinctBy(t => t.Id).ToDictionary(t => t.Id, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(byId[id].Needs);
        while (pending.TryPop(out var next))
        {
            if (found.Add(next))
            {
                foreach (var need in byId[next].Needs)
                {
                    pending.Push(need);
                }
            }
        }

        return found;
    }
}
