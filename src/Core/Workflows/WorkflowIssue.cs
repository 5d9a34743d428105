namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>One problem in a workflow file, located by line and column (1-based).</summary>
public sealed record WorkflowIssue(string File, long Line, long Column, string Field, Diagnostic Diagnostic)
{
    /// <summary>The canonical "file(line,col): error CODE: text" form MSBuild and editors understand.</summary>
    public override string ToString() => $"{File}({Line},{Column}): error {Diagnostic.Code}: {Diagnostic.Text}";
}

/// <summary>A workflow file that must not be used: nothing runs on an invalid workflow.</summary>
public sealed class WorkflowFileException : GadugiException
{
    public WorkflowFileException(string file, IReadOnlyList<WorkflowIssue> issues)
        : base(Diagnostic.Create(
            nameof(DiagnosticMessages.WorkflowFileInvalid),
            file,
            issues.Count,
            string.Join(Environment.NewLine, issues.Select(issue => "  " + issue))))
    {
        File = file;
        Issues = issues;
    }

    public WorkflowFileException()
        : this("(unknown)", [])
    {
    }

    public WorkflowFileException(string message)
        : base(message)
    {
        File = "(unknown)";
        Issues = [];
    }

    public WorkflowFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "(unknown)";
        Issues = [];
    }

    public string File { get; }

    public IReadOnlyList<WorkflowIssue> Issues { get; }
}
