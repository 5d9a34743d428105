using System.Globalization;
using System.Text.Json;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// <c>dotnet build -m</c> runs ContainerExec in several MSBuild nodes at once; the machine-wide slots
/// must hold across them. The overlap is measured by the sandboxes themselves: each writes the time it
/// started and ended (the engine host's clock, read inside the sandbox) to its /output.
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class MachineCapEndToEndTests
{
    private const int Cap = 2;
    private const int Projects = 4;

    [TestMethod]
    public async Task Four_ContainerExec_projects_under_dotnet_build_m_never_run_more_sandboxes_than_the_machine_cap()
    {
        var solution = await SampleSolution.GetAsync();
        var directory = Directory.CreateDirectory(Path.Combine(solution.Root, "machine-cap-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var tasks = Path.Combine(solution.Root, "packages", "gadugi.buildexec", SampleSolution.PackageVersion, "tasks", "net10.0", "Gadugi.BuildExec.Tasks.dll");
        Assert.IsTrue(File.Exists(tasks), "the package restored by the sample solution has the task assembly at " + tasks);
        for (var i = 1; i <= Projects; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"p{i}.proj"), $"""
                <Project>
                  <UsingTask TaskName="Gadugi.BuildExec.Tasks.ContainerExec" AssemblyFile="{tasks}" />
                  <Target Name="Build">
                    <ContainerExec Command="date +%s%N &gt; /output/start; sleep 2; date +%s%N &gt; /output/end" OutputDirectory="$(MSBuildThisFileDirectory)out/p{i}" />
                  </Target>
                </Project>
                """);
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "all.proj"), """
            <Project>
              <ItemGroup><Part Include="p*.proj" /></ItemGroup>
              <Target Name="Build"><MSBuild Projects="@(Part)" BuildInParallel="true" /></Target>
            </Project>
            """);
        var environment = new Dictionary<string, string>
        {
            ["GADUGI_MAX_CONCURRENCY"] = Cap.ToString(CultureInfo.InvariantCulture),
            // Its own audit log, so its own slots folder next to it: other tests' sandboxes do not take these slots.
            ["GADUGI_AUDIT_LOG"] = Path.Combine(directory, "audit.jsonl"),
        };

        var result = await solution.DotnetAsync(directory, environment, "build", "all.proj", "--no-restore", $"-m:{Projects}", "-tl:off", "-v:n");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var intervals = Enumerable.Range(1, Projects).Select(i => Interval(Path.Combine(directory, "out", $"p{i}"))).ToArray();
        var shown = string.Join(", ", intervals.Select(x => $"[{x.Start}, {x.End}]"));
        Assert.IsLessThanOrEqualTo(Cap, MaxOverlap(intervals), $"more than {Cap} sandboxes ran at once: {shown}");
        var statuses = File.ReadAllLines(Path.Combine(directory, "audit.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("status").GetString()).ToArray();
        Assert.AreEqual(Projects, statuses.Count(status => status == "started"), "one started record per project: " + string.Join(", ", statuses));
        Assert.AreEqual(Projects, statuses.Count(status => status == "completed"), "one completed record per project: " + string.Join(", ", statuses));
    }

    private static (long Start, long End) Interval(string output) =>
        (long.Parse(File.ReadAllText(Path.Combine(output, "start")).Trim(), CultureInfo.InvariantCulture),
         long.Parse(File.ReadAllText(Path.Combine(output, "end")).Trim(), CultureInfo.InvariantCulture));

    /// <summary>The most intervals that hold one instant (an end and a start at the same instant do not overlap).</summary>
    private static int MaxOverlap(IEnumerable<(long Start, long End)> intervals)
    {
        var running = 0;
        var most = 0;
        foreach (var (_, change) in intervals.SelectMany(x => new[] { (x.Start, 1), (x.End, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2))
        {
            running += change;
            most = Math.Max(most, running);
        }

        return most;
    }
}
