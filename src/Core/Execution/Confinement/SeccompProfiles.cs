using System.Reflection;
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

        return Normalize(text, policy.SeccompProfile, policy.Name);
    }

    /// <summary>
    /// The profile <paramref name="text"/> (from <paramref name="file"/>) as the engine will be sent it,
    /// after checking that it reads unambiguously (GBX3001) and confines (GBX3101).
    /// </summary>
    public static string Normalize(string text, string file, string policyName)
    {
        SeccompProfile profile;
        try
        {
            profile = SeccompProfileReader.Read(text);
        }
        catch (SeccompProfileFormatException ex)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SeccompProfileInvalid), file, policyName, ex.Message), ex);
        }

        if (SeccompConfinement.FindHole(profile) is { } hole)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SeccompProfileNotConfining), file, policyName, hole));
        }

        // The profile as read, written back: the engine gets exactly what was checked, never the file's own text.
        return SeccompProfileWriter.Write(profile);
    }

    private static string ReadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"The embedded seccomp profile '{DefaultResource}' is missing.");
        using var reader = new StreamReader(stream);

        // Read and written back like a policy's profile (compact: it travels inside the create request).
        var profile = SeccompProfileReader.Read(reader.ReadToEnd());
        return SeccompConfinement.FindHole(profile) is { } hole
            ? throw new InvalidOperationException("The embedded seccomp profile does not confine: " + hole)
            : SeccompProfileWriter.Write(profile);
    }
}
