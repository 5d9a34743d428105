using System.Globalization;

namespace Gadugi.BuildExec.Benchmarks;

/// <summary>The start-up table: each row's p50, its ratio against its baseline and the goal beside it.</summary>
internal sealed class IssueTable
{
    private readonly List<string[]> _rows = [];

    public void Baseline(string path, double seconds, string note = "") =>
        _rows.Add([path, Ms(seconds), "1.00× (baseline)", note]);

    public void Ratio(string path, double seconds, double baseline, double goal, string baselineName) =>
        _rows.Add([path, Ms(seconds), $"{seconds / baseline:0.00}× {baselineName}", Goal($"≤ {goal:0.0}×", seconds / baseline <= goal)]);

    public void Info(string path, string value, string ratio = "", string goal = "") => _rows.Add([path, value, ratio, goal]);

    public void Throughput(string path, double runsPerSecond, double baseline, string baselineName) =>
        _rows.Add([path, string.Create(CultureInfo.InvariantCulture, $"{runsPerSecond:0.0} runs/s"), $"{runsPerSecond / baseline:0.00}× {baselineName}", Goal("≥ 1.0×", runsPerSecond / baseline >= 1.0)]);

    public static string Goal(string goal, bool met) => $"{goal} {(met ? "met" : "NOT met")}";

    public void Print()
    {
        string[] header = ["path", "p50", "ratio", "goal"];
        var widths = Enumerable.Range(0, 4).Select(i => _rows.Append(header).Max(row => row[i].Length)).ToArray();
        Console.WriteLine(Line(header, widths));
        Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in _rows)
        {
            Console.WriteLine(Line(row, widths));
        }

        Console.WriteLine();
    }

    private static string Ms(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:0} ms");

    private static string Line(string[] cells, int[] widths) =>
        "| " + string.Join(" | ", cells.Select((cell, i) => cell.PadRight(widths[i]))) + " |";
}
