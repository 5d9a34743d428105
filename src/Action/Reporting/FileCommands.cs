using System.Security.Cryptography;
using System.Text;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Reporting;

/// <summary>
/// Writes step outputs to GITHUB_OUTPUT in the runner's multiline syntax:
/// <c>name&lt;&lt;DELIMITER</c>, the value, <c>DELIMITER</c>, with a random delimiter that the value
/// does not contain (so a value cannot end early and inject further outputs).
/// </summary>
public sealed class GitHubOutputWriter(string path, SecretRedactor redactor)
{
    public static readonly IReadOnlyList<string> Names = [OutputNames.ExitCode, OutputNames.Result, OutputNames.AuditLog, OutputNames.ReportFile];

    public void Write(IReadOnlyDictionary<string, string> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var text = new StringBuilder();
        foreach (var (name, raw) in outputs)
        {
            var value = redactor.Redact(raw);
            string delimiter;
            do
            {
                delimiter = "ghadelimiter_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            }
            while (value.Contains(delimiter, StringComparison.Ordinal));

            text.Append(name).Append("<<").Append(delimiter).Append('\n')
                .Append(value).Append('\n')
                .Append(delimiter).Append('\n');
        }

        FileCommandFile.Append(path, "GITHUB_OUTPUT", text.ToString());
    }
}

/// <summary>The action's outputs, as action.yml declares them.</summary>
public static class OutputNames
{
    public const string ExitCode = "exit_code";
    public const string Result = "result";
    public const string AuditLog = "audit_log";
    public const string ReportFile = "report_file";
}

/// <summary>Appends the report to GITHUB_STEP_SUMMARY (markdown, shown on the run's page).</summary>
public sealed class JobSummaryWriter(string path, SecretRedactor redactor)
{
    public void Write(string markdown) => FileCommandFile.Append(path, "GITHUB_STEP_SUMMARY", redactor.Redact(markdown) + "\n");
}

internal static class FileCommandFile
{
    public static void Append(string path, string variable, string text)
    {
        try
        {
            File.AppendAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionFileCommandFailed), variable, path, ex.Message), ex);
        }
    }
}
