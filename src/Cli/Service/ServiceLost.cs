using System.Runtime.CompilerServices;
using Gadugi.BuildExec.Cli.Commands;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>The thin client's messages that need the coded texts (and so load the executor's assembly): only on failure.</summary>
internal static class ServiceLost
{
    /// <summary>The service ended in the middle of a run (GBX7004): the command's own outcome is unknown, so 125.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Report(Stream stderr)
    {
        var text = $"gadugi-exec: error {Diagnostic.Create(nameof(DiagnosticMessages.ServiceLost))}\n";
        stderr.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return CliExitCodes.EngineOrPolicyError;
    }

    /// <summary>Why this run goes the direct way, said once on stderr.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Notice(ServiceFallback fallback)
    {
        if (fallback.Silent)
        {
            return;
        }

        if (fallback.Code == ServiceFallback.Verbatim)
        {
            Console.Error.WriteLine($"gadugi-exec: notice {fallback.Detail}");
            return;
        }

        var parts = fallback.Detail.Split('\n', 2);
        var diagnostic = parts.Length == 2
            ? Diagnostic.Create(fallback.Code, parts[0], parts[1])
            : Diagnostic.Create(fallback.Code, fallback.Detail);
        Console.Error.WriteLine($"gadugi-exec: notice {diagnostic}");
    }
}
