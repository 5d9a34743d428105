using System.Text;
using Gadugi.BuildExec.Action.Logging;

namespace Gadugi.BuildExec.Action.Tests.Support;

/// <summary>An <see cref="ActionConsole"/> writing to memory, as the runner would read it.</summary>
public sealed class ConsoleCapture : IDisposable
{
    private readonly MemoryStream _stream = new();

    public ConsoleCapture()
    {
        Console = new ActionConsole(_stream, new SecretRedactor());
    }

    public ActionConsole Console { get; }

    public string Text => Encoding.UTF8.GetString(_stream.ToArray());

    public IReadOnlyList<string> Lines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public void Dispose() => _stream.Dispose();
}
