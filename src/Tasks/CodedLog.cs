using System.Resources;
using Gadugi.BuildExec.Core.Diagnostics;
using Microsoft.Build.Utilities;

namespace Gadugi.BuildExec.Tasks;

/// <summary>Errors and warnings with their code and a help link to the code's section in docs/diagnostics.md.</summary>
internal static class CodedLog
{
    public static void Error(this TaskLoggingHelper log, Diagnostic diagnostic, string? file = null, int line = 0, int column = 0) =>
        log.LogError(null, diagnostic.Code, null, HelpLinks.For(diagnostic.Code), file, line, column, 0, 0, "{0}", diagnostic.Text);

    public static void Warning(this TaskLoggingHelper log, Diagnostic diagnostic, string? file = null) =>
        log.LogWarning(null, diagnostic.Code, null, HelpLinks.For(diagnostic.Code), file, 0, 0, 0, 0, "{0}", diagnostic.Text);

    /// <summary>A coded message (not a warning, which -warnaserror would turn into a failure); consoles show only a message's text, so it starts with the code.</summary>
    public static void MessageFromResources(this TaskLoggingHelper log, ResourceManager resources, string resourceName, params object?[] args)
    {
        var diagnostic = Diagnostic.Create(resources, resourceName, args);
        log.LogMessage(null, diagnostic.Code, null, null, 0, 0, 0, 0, Microsoft.Build.Framework.MessageImportance.High, "{0}", diagnostic.ToString());
    }

    public static void ErrorFromResources(this TaskLoggingHelper log, ResourceManager resources, string? file, string resourceName, params object?[] args) =>
        log.Error(Diagnostic.Create(resources, resourceName, args), file);

    public static void WarningFromResources(this TaskLoggingHelper log, ResourceManager resources, string? file, string resourceName, params object?[] args) =>
        log.Warning(Diagnostic.Create(resources, resourceName, args), file);
}
