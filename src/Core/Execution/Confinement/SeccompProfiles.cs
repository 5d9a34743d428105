using System.Reflection;
using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// The seccomp profile of an execution: the one a policy names, or the project's default, which is
/// embedded in this assembly and tighter than the engine's own default (docs/security.md). A policy's
/// own profile must still confine (<see cref="SeccompConfinement"/>): hardening is not switchable by policy.
/// </summary>
internal static class SeccompProfiles
{
    private const string DefaultResource = "gadugi-seccomp/default.json";
    private static readonly Lazy<string> DefaultJson = new(ReadDefault);

    /// <summary>The embedded default profile (JSON, Docker's seccomp profile format).</summary>
    public static string Default => DefaultJson.Value;

    /// <summary>The profile for <paramref name="policy"/>: its own file, or <see cref="Default"/>.</summary>
    public static async Task<string> LoadAsync(SandboxPolicy policy, CancellationToken cancellationToken)
    {
        if (policy.SeccompProfile is null)
        {
            return Default;
        }

        string text;
        try
        {
            text = await File.ReadAllTextAsync(policy.SeccompProfile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SeccompProfileInvalid), policy.SeccompProfile, policy.Name, ex.Message), ex);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("defaultAction", out _))
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SeccompProfileInvalid), policy.SeccompProfile, policy.Name, "it has no \"defaultAction\""));
            }

            if (SeccompConfinement.FindHole(document.RootElement) is { } hole)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SeccompProfileNotConfining), policy.SeccompProfile, policy.Name, hole));
            }
        }
        catch (JsonException ex)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SeccompProfileInvalid), policy.SeccompProfile, policy.Name, ex.Message), ex);
        }

        return text;
    }

    private static string ReadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"The embedded seccomp profile '{DefaultResource}' is missing.");
        using var reader = new StreamReader(stream);

        // Re-serialised without indentation: the profile travels inside the create request.
        using var document = JsonDocument.Parse(reader.ReadToEnd());
        return JsonSerializer.Serialize(document.RootElement);
    }
}
