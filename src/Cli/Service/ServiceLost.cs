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

    /// <summary>
    /// The service ended (GBX6060) or went silent (GBX6061, <paramref name="silence"/>) during a hook it had
    /// accepted: the hook's decision is unknown, so it blocks (exit 2), or, with --on-error allow, goes
    /// ahead with a warning (exit 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int ReportHook(Stream stderr, HookAcceptance hook, TimeSpan? silence)
    {
        var reason = silence is { } limit
            ? Diagnostic.Create(nameof(DiagnosticMessages.HookServiceSilent), hook.Command, limit.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))
            : Diagnostic.Create(nameof(DiagnosticMessages.HookServiceLost), hook.Command);
        try
        {
            using var messages = new StreamWriter(stderr, new System.Text.UTF8Encoding(false), bufferSize: 1024, leaveOpen: true);
            var exitCode = HookFailure.Report(reason, hook.Allow, messages);
            messages.Flush();
            return exitCode;
        }
        catch (IOException)
        {
            // No stderr to say it on: the verdict stands all the same.
            return hook.Allow ? 0 : HookFailure.Block;
        }
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
