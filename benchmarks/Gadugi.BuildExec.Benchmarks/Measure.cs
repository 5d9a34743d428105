using System.Diagnostics;
using System.Globalization;

namespace Gadugi.BuildExec.Benchmarks;

internal sealed record Samples(IReadOnlyList<double> Seconds)
{
    public double P50 => Percentile(0.50);

    public double P95 => Percentile(0.95);

    public double Mean => Seconds.Average();

    private double Percentile(double p)
    {
        var sorted = Seconds.Order().ToArray();
        var index = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}

internal static class Measure
{
    public static async Task<Samples> RepeatAsync<T>(int iterations, Func<Task<T>> action)
    {
        var seconds = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            await action();
            seconds.Add(watch.Elapsed.TotalSeconds);
        }

        return new Samples(seconds);
    }
}

internal sealed class ResultTable
{
    private readonly List<(string Name, Samples Samples)> _rows = [];

    public void Add(string name, Samples samples) => _rows.Add((name, samples));

    public void Print(string title)
    {
        Console.WriteLine(title);
        Console.WriteLine($"  {"",-40} {"p50",9} {"p95",9} {"mean",9}");
        foreach (var (name, samples) in _rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-40} {samples.P50 * 1000,7:0} ms {samples.P95 * 1000,7:0} ms {samples.Mean * 1000,7:0} ms"));
        }

        Console.WriteLine();
    }
}
