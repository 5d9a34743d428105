using System.Text;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Action.Logging;

/// <summary>
/// The action's standard output, which the runner reads line by line for workflow commands
/// (<c>::warning::</c>, <c>::group::</c>, …). Text goes through the <see cref="SecretRedactor"/>;
/// raw sandbox output is copied as bytes, with the secrets' bytes replaced too: whole lines are
/// copied as they arrive and an unfinished line waits (up to <see cref="MaxPendingBytes"/>) until
/// its end, so a secret split across two chunks is still found. One lock keeps lines whole.
/// </summary>
public sealed class ActionConsole(Stream output, SecretRedactor redactor)
{
    /// <summary>An unfinished line of sandbox output longer than this is copied without waiting for its end.</summary>
    public const int MaxPendingBytes = 16 * 1024;

    private readonly Lock _lock = new();
    private readonly List<byte> _pending = [];
    private bool _atLineStart = true;

    public SecretRedactor Redactor { get; } = redactor;

    /// <summary>
    /// Registers a secret with the redactor and asks the runner to mask it (and its encoded forms)
    /// in the job log with <c>::add-mask::</c>; the one text that is written unredacted on purpose.
    /// </summary>
    public void Mask(string? secret)
    {
        foreach (var form in Redactor.Add(secret))
        {
            WriteText($"::add-mask::{WorkflowCommandText.EscapeData(form)}\n");
        }
    }

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

    /// <summary>Copies command output as it arrives (whole lines); a line left open is closed before the next text.</summary>
    public void WriteRaw(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            _pending.AddRange(data);
            var end = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending).LastIndexOf((byte)'\n') + 1;
            if (end == 0 && _pending.Count > MaxPendingBytes)
            {
                end = _pending.Count;
            }

            CopyPending(end);
        }
    }

    /// <summary>Copies an unfinished last line of output (the step ended).</summary>
    public void FlushRaw()
    {
        lock (_lock)
        {
            CopyPending(_pending.Count);
        }
    }

    private void CopyPending(int count)
    {
        if (count == 0)
        {
            return;
        }

        var chunk = RedactBytes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending)[..count]);
        _pending.RemoveRange(0, count);
        output.Write(chunk);
        output.Flush();
        _atLineStart = chunk.Length == 0 || chunk[^1] == (byte)'\n';
    }

    private byte[] RedactBytes(ReadOnlySpan<byte> data)
    {
        var secrets = Redactor.Secrets;
        if (secrets.Count == 0)
        {
            return data.ToArray();
        }

        var result = data.ToArray();
        var mask = "***"u8.ToArray();
        foreach (var secret in secrets)
        {
            var needle = Encoding.UTF8.GetBytes(secret);
            var at = result.AsSpan().IndexOf(needle);
            if (at < 0)
            {
                continue;
            }

            var replaced = new List<byte>(result.Length);
            var rest = result.AsSpan();
            while (at >= 0)
            {
                replaced.AddRange(rest[..at]);
                replaced.AddRange(mask);
                rest = rest[(at + needle.Length)..];
                at = rest.IndexOf(needle);
            }

            replaced.AddRange(rest);
            result = replaced.ToArray();
        }

        return result;
    }

    /// <summary>An '::error file=…,line=…::' (or warning) annotation: needs no token, so it works on forks too.</summary>
    public void Annotate(bool error, string message, string? file, int? line, int? column, string? title)
    {
        var properties = new List<string>();
        if (file is not null)
        {
            properties.Add("file=" + WorkflowCommandText.EscapeProperty(Redactor.Redact(file)));
        }

        if (line is { } l)
        {
            properties.Add("line=" + l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (column is { } c)
        {
            properties.Add("col=" + c.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (title is not null)
        {
            properties.Add("title=" + WorkflowCommandText.EscapeProperty(Redactor.Redact(title)));
        }

        var joined = properties.Count == 0 ? string.Empty : " " + string.Join(',', properties);
        WriteText($"::{(error ? "error" : "warning")}{joined}::{WorkflowCommandText.EscapeData(Redactor.Redact(message))}\n");
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
            CopyPending(_pending.Count);
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
