using System.Diagnostics;
using System.Text;

namespace Gadugi.BuildExec.Testing;

/// <summary>What a child process printed and how it ended. <see cref="Output"/> is both streams in arrival order.</summary>
public sealed record ChildProcessResult(int ExitCode, string Stdout, string Stderr, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

public sealed record ChildProcessOptions
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set for the child on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Variables of this process the child must not inherit.</summary>
    public IReadOnlyList<string> RemoveEnvironment { get; init; } = [];

    /// <summary>Written to the child's stdin, which is then closed (closed at once when null).</summary>
    public string? Stdin { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>Runs a program as a user or a hook would, capturing its streams byte for byte.</summary>
public static class ChildProcess
{
    public static async Task<ChildProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ChildProcessOptions();
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in options.RemoveEnvironment)
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        using var capture = new Capture();
        var stdout = capture.PumpAsync(process.StandardOutput.BaseStream, isError: false);
        var stderr = capture.PumpAsync(process.StandardError.BaseStream, isError: true);
        if (options.Stdin is not null)
        {
            await process.StandardInput.WriteAsync(options.Stdin).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' did not finish within {options.Timeout}:\n{capture.Output}");
        }

        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        return new ChildProcessResult(process.ExitCode, capture.Stdout, capture.Stderr, capture.Output);
    }

    private sealed class Capture : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly MemoryStream _stdout = new();
        private readonly MemoryStream _stderr = new();
        private readonly MemoryStream _both = new();

        public string Stdout => Text(_stdout);

        public string Stderr => Text(_stderr);

        public string Output => Text(_both);

        public async Task PumpAsync(Stream source, bool isError)
        {
            var buffer = new byte[8192];
            int count;
            while ((count = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (_gate)
                {
                    (isError ? _stderr : _stdout).Write(buffer, 0, count);
                    _both.Write(buffer, 0, count);
                }
            }
        }

        public void Dispose()
        {
            _stdout.Dispose();
            _stderr.Dispose();
            _both.Dispose();
        }

        private string Text(MemoryStream stream)
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            }
        }
    }
}
