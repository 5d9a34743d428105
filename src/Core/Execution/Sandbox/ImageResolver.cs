namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>The policy's image as the audit names it, and the volumes it declares.</summary>
internal sealed record ResolvedImage(AuditImage Audit, IReadOnlyList<string> Volumes);

/// <summary>Finds the policy's image on the engine; a missing image is a coded error naming the fix.</summary>
internal static class ImageResolver
{
    public static async Task<ResolvedImage> ResolveAsync(ISandboxEngine engine, SandboxPolicy policy, CancellationToken cancellationToken)
    {
        if (await engine.InspectImageAsync(policy.Image, cancellationToken).ConfigureAwait(false) is { } image)
        {
            return new ResolvedImage(new AuditImage(policy.Image, image.Id, image.Digests), image.Volumes);
        }

        var fix = policy.Image.StartsWith("gadugi/", StringComparison.Ordinal)
            ? "build it with 'gadugi-exec images build'"
            : $"pull it with 'docker pull {policy.Image}' or name another image";
        throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ImageMissing), policy.Image, policy.Name, policy.Source, fix));
    }
}
