using System.Diagnostics;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Core.Network;

/// <summary>Programs the host firewall for allowlist networks (see <see cref="FirewallRules"/>).</summary>
public interface IFirewall
{
    /// <summary>Null when rules can be applied here; otherwise why not (a coded exception to throw).</summary>
    Task<Func<string, string, GadugiException>?> CheckAvailableAsync(CancellationToken cancellationToken);

    /// <summary>Runs one iptables command; returns (exit code, stderr).</summary>
    Task<(int ExitCode, string Error)> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>Names of the chains of the filter table.</summary>
    Task<IReadOnlyList<string>> ListChainsAsync(CancellationToken cancellationToken);
}

/// <summary><see cref="IFirewall"/> through the iptables program (nft or legacy, as the engine uses it).</summary>
internal sealed class IptablesFirewall : IFirewall
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(30);

    public static IptablesFirewall Instance { get; } = new();

    /// <summary>The program to run; null means 'iptables' from PATH or /usr/sbin, /sbin.</summary>
    public string? Program { get; init; }

    /// <summary>The effective uid to judge by; null means this process's (tests set another).</summary>
    public uint? EffectiveUid { get; init; }

    public async Task<Func<string, string, GadugiException>?> CheckAvailableAsync(CancellationToken cancellationToken)
    {
        var uid = EffectiveUid ?? HostUser.Uid;
        if (uid != 0)
        {
            return (policy, source) => new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.FirewallNeedsRoot), policy, source, uid));
        }

        if (Locate() is null)
        {
            return (policy, source) => new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.FirewallUnavailable), policy, source, "the iptables program was not found"));
        }

        var (code, error) = await RunAsync(["-n", "-L", "DOCKER-USER"], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            var reason = $"'iptables -n -L DOCKER-USER' failed with exit code {code}: {error.Trim()}";
            return (policy, source) => new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.FirewallUnavailable), policy, source, reason));
        }

        return null;
    }

    public async Task<(int ExitCode, string Error)> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (code, _, error) = await ExecuteAsync(arguments, cancellationToken).ConfigureAwait(false);
        return (code, error);
    }

    public async Task<IReadOnlyList<string>> ListChainsAsync(CancellationToken cancellationToken)
    {
        var (code, output, _) = await ExecuteAsync(["-S"], cancellationToken).ConfigureAwait(false);
        return code != 0
            ? []
            : output.Split('\n').Where(line => line.StartsWith("-N ", StringComparison.Ordinal)).Select(line => line[3..].Trim()).ToArray();
    }

    private string? Locate() =>
        Program ?? ExecutableLocator.Find("iptables")
        ?? WellKnownLocations.FirstOrDefault(File.Exists);

    private static readonly string[] WellKnownLocations = ["/usr/sbin/iptables", "/sbin/iptables"];

    private async Task<(int ExitCode, string Output, string Error)> ExecuteAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var program = Locate() ?? "iptables";
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-w");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (127, string.Empty, ex.Message);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CommandLimit);
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        var error = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
