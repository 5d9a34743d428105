namespace Gadugi.BuildExec.Core.Diagnostics;

/// <summary>
/// A failure the user can act on. <see cref="Exception.Message"/> is the full coded text
/// ("GBX1001: …"); <see cref="Code"/> is the code alone so hosts (MSBuild, the Action) can
/// attach it to their own diagnostics.
/// </summary>
public class GadugiException : Exception
{
    public GadugiException(Diagnostic diagnostic)
        : this(diagnostic, null)
    {
    }

    public GadugiException(Diagnostic diagnostic, Exception? inner)
        : base(diagnostic.ToString(), inner)
    {
        Diagnostic = diagnostic;
    }

    public Diagnostic Diagnostic { get; }

    public string Code => Diagnostic.Code;

    public GadugiException()
        : this(Diagnostic.Create(nameof(DiagnosticMessages.Unexpected), "unknown"))
    {
    }

    public GadugiException(string message)
        : this(Diagnostic.Create(nameof(DiagnosticMessages.Unexpected), message))
    {
    }

    public GadugiException(string message, Exception innerException)
        : this(Diagnostic.Create(nameof(DiagnosticMessages.Unexpected), message), innerException)
    {
    }
}
