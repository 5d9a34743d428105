using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Policies;

/// <summary>One problem in a policy file, located by line and column (1-based).</summary>
public sealed record PolicyIssue(string File, long Line, long Column, string Field, Diagnostic Diagnostic)
{
    /// <summary>The canonical "file(line,col): error CODE: text" form MSBuild and editors understand.</summary>
    public override string ToString() => $"{File}({Line},{Column}): error {Diagnostic.Code}: {Diagnostic.Text}";
}

/// <summary>A policy file that must not be used: nothing runs on an invalid policy.</summary>
public sealed class PolicyFileException : GadugiException
{
    public PolicyFileException(string file, IReadOnlyList<PolicyIssue> issues)
        : base(Diagnostic.Create(
            nameof(DiagnosticMessages.PolicyFileInvalid),
            file,
            issues.Count,
            string.Join(Environment.NewLine, issues.Select(issue => "  " + issue))))
    {
        File = file;
        Issues = issues;
    }

    public PolicyFileException()
        : this("(unknown)", [])
    {
    }

    public PolicyFileException(string message)
        : base(message)
    {
        File = "(unknown)";
        Issues = [];
    }

    public PolicyFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "(unknown)";
        Issues = [];
    }

    public string File { get; }

    public IReadOnlyList<PolicyIssue> Issues { get; }
}
