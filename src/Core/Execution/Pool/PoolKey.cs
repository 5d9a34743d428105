using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Execution.Pool;

/// <summary>
/// What a prepared sandbox was made for, exactly: the policy's every value and its file's time, size and
/// hash, the image id, the runtime, the workspace, input and output directories, the environment's names,
/// the command's user, the seccomp profile, the audit log and owner its labels name. A request is served
/// from the pool only when its key is equal; <see cref="Family"/> finds prepared sandboxes a policy edit or
/// an image change made stale.
/// </summary>
internal sealed record PoolKey(string Id, string Family, string Summary, string? PolicyFile)
{
    /// <summary>
    /// Only what a sandbox's creation does not tie to one run: no allowlist network (its network and
    /// firewall rules are the run's), no writable workspace (its placeholders are the run's), no id the
    /// caller chose (a prepared sandbox brings its own).
    /// </summary>
    public static bool Eligible(ExecutionRequest request) =>
        request.ExecutionId is null
        && request.Policy.Network.Mode != NetworkMode.Allowlist
        && request.Policy.Workspace == WorkspaceAccess.ReadOnly;

    public static PoolKey For(ExecutionRequest request, string user, string runtime, string imageId, string? seccomp, string? auditLog, string owner)
    {
        var policy = request.Policy;
        var policyFile = File.Exists(policy.Source) ? Path.GetFullPath(policy.Source) : null;
        var text = new StringBuilder();
        void Add(string name, string? value) => text.Append(name).Append('=').Append(value ?? "\0").Append('\n');
        Add("policy", JsonSerializer.Serialize(policy, PolicyJson));
        Add("policy-file", policyFile is null ? null : FileStamp(policyFile));
        Add("image-id", imageId);
        Add("runtime", runtime);
        Add("user", user);
        Add("workspace", request.WorkingDirectory);
        Add("input", request.InputDirectory);
        Add("output", request.OutputDirectory);
        Add("home", request.AllowHomeDirectory ? "allowed" : "refused");
        Add("env", string.Join(",", request.Environment.Keys.Order(StringComparer.Ordinal)));
        Add("seccomp", seccomp is null ? null : Hash(Encoding.UTF8.GetBytes(seccomp)));
        Add("audit-log", auditLog);
        Add("owner", owner);
        var id = Hash(Encoding.UTF8.GetBytes(text.ToString()));
        var family = Hash(Encoding.UTF8.GetBytes($"{policy.Source}\n{policy.Name}\n{policy.Image}\n{request.WorkingDirectory}\n{auditLog}"));
        var summary = string.Create(CultureInfo.InvariantCulture, $"policy {policy.Name} ({policy.Source}), image {policy.Image} ({Short(imageId)}), runtime {runtime}, workspace {request.WorkingDirectory}");
        return new PoolKey(id, family, summary, policyFile);
    }

    private static readonly JsonSerializerOptions PolicyJson = new() { WriteIndented = false };

    private static string FileStamp(string path)
    {
        var info = new FileInfo(path);
        return string.Create(CultureInfo.InvariantCulture, $"{info.LastWriteTimeUtc.Ticks}/{info.Length}/{Hash(File.ReadAllBytes(path))}");
    }

    private static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static string Short(string imageId) => imageId.Length > 19 ? imageId[..19] : imageId;
}
