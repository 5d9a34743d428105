using System.Text;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Action.Logging;

/// <summary>
/// The action's standard output, which the runner reads line by line for workflow commands
/// (<c>::warning::</c>, <c>::group::</c>, …). Text goes through the <see cref="SecretRedactor"/>;
/// raw sandbox output is copied as bytes. One lock keeps lines whole.
/// </summary>
public sealed class ActionConsole(Stream output, SecretRedactor redactor)
{
    private readonly Lock _lock = new();
    private bool _atLineStart = true;

    public SecretRedactor Redactor { get; } = redactor;

    public void WriteLine(string text) => WriteText(Redactor.Redact(text) + "\n");

    public void Debug(string message) => Command("debug", message);

    public void Notice(string message) => Command("notice", message);

    public void Warning(string message, string? title = null) => Command("warning", message, title);

    public void Warning(Diagnostic diagnostic) => Command("warning", diagnostic.ToString(), diagnostic.Code);

    public void Error(string message, string? title = null) => Command("error", message, title);

    public void Error(Diagnostic diagnostic) => Command("error", diagnostic.ToString(), diagnostic.Code);

    public void Group(string title) => Command("group", title);

    public void EndGroup() => WriteText("::endgroup::\n");

    /// <summary>Stops the runner from acting on workflow commands until <see cref="ResumeCommands"/> with the same token.</summary>
    public void StopCommands(string token) => WriteText($"::stop-commands::{token}\n");

    public void ResumeCommands(string token) => WriteText($"::{token}::\n");

    /// <summary>Copies command output as it arrives; a line left open is closed before the next text.</summary>
    public void WriteRaw(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            output.Write(data);
            output.Flush();
            _atLineStart = data[^1] == (byte)'\n';
        }
    }

    private void Command(string name, string message, string? title = null)
    {
        var properties = title is null ? string.Empty : " title=" + WorkflowCommandText.EscapeProperty(Redactor.Redact(title));
        WriteText($"::{name}{properties}::{WorkflowCommandText.EscapeData(Redactor.Redact(message))}\n");
    }

    private void WriteText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        lock (_lock)
        {
            if (!_atLineStart)
            {
                output.WriteByte((byte)'\n');
            }

            output.Write(bytes);
            output.Flush();
            _atLineStart = bytes.Length == 0 || bytes[^1] == (byte)'\n';
        }
    }
}

/// <summary>Escaping rules of the runner's workflow commands (actions/toolkit command.ts).</summary>
public static class WorkflowCommandText
{
    public static string EscapeData(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    public static string EscapeProperty(string value) =>
        EscapeData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
