using System.Diagnostics;
using System.Globalization;
using Gadugi.BuildExec.Core.Execution;

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

/// <summary>A measured run that failed: timing it would report the speed of a failure.</summary>
internal sealed class MeasuredRunFailedException(string message) : Exception(message);

internal static class Measure
{
    /// <summary>Times each run; a run that failed (non-zero exit, a failed result) stops the benchmark.</summary>
    public static Task<Samples> RepeatAsync(string name, int iterations, Func<Task<ProcessOutcome>> action) =>
        RepeatAsync(name, iterations, action, outcome => outcome.ExitCode == 0 ? null : $"exit {outcome.ExitCode}: {outcome.Stderr.Trim()}");

    public static Task<Samples> RepeatAsync(string name, int iterations, Func<Task<ExecutionResult>> action) =>
        RepeatAsync(name, iterations, action, Failure);

    /// <summary>Why an execution did not succeed, or null when it did.</summary>
    public static string? Failure(ExecutionResult result) =>
        result.Succeeded ? null : $"exit {result.ExitCode}, kill reason {result.KillReason?.ToString() ?? "none"}, execution {result.ExecutionId}: {result.Stderr.Text.Trim()}";

    /// <summary>Runs <paramref name="runs"/> at most <paramref name="concurrency"/> at a time; runs per second over the whole batch.</summary>
    public static Task<double> ThroughputAsync(string name, int runs, int concurrency, Func<Task<ProcessOutcome>> action) =>
        ThroughputAsync(name, runs, concurrency, action, outcome => outcome.ExitCode == 0 ? null : $"exit {outcome.ExitCode}: {outcome.Stderr.Trim()}");

    public static Task<double> ThroughputAsync(string name, int runs, int concurrency, Func<Task<ExecutionResult>> action) =>
        ThroughputAsync(name, runs, concurrency, action, Failure);

    private static async Task<double> ThroughputAsync<T>(string name, int runs, int concurrency, Func<Task<T>> action, Func<T, string?> failure)
    {
        var next = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= runs)
            {
                if (failure(await action()) is { } reason)
                {
                    throw new MeasuredRunFailedException($"'{name}' failed ({reason}); not timing a failure.");
                }
            }
        }));
        return runs / watch.Elapsed.TotalSeconds;
    }

    private static async Task<Samples> RepeatAsync<T>(string name, int iterations, Func<Task<T>> action, Func<T, string?> failure)
    {
        var seconds = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            var outcome = await action();
            var elapsed = watch.Elapsed;
            if (failure(outcome) is { } reason)
            {
                throw new MeasuredRunFailedException($"'{name}' run {i + 1} of {iterations} failed ({reason}); not timing a failure.");
            }

            seconds.Add(elapsed.TotalSeconds);
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
