namespace Gadugi.BuildExec.Core.Policies;

/// <summary>The product's built-in limits and policies.</summary>
public static class PolicyDefaults
{
    public const long MemoryBytes = 512L * 1024 * 1024;
    public const decimal Cpus = 1.0m;
    public const long DiskBytes = 1024L * 1024 * 1024;
    public const long PidsLimit = 256;
    public const long OpenFiles = 1024;
    public const long OutputLimitBytes = 16L * 1024 * 1024;
    public const long CaptureLimitBytes = 1024L * 1024;
    public const long InputLimitBytes = 1024L * 1024 * 1024;
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    public const string DefaultPolicyName = "shell";

    public static IReadOnlyDictionary<string, SandboxPolicy> BuiltIn { get; } = new Dictionary<string, SandboxPolicy>(StringComparer.Ordinal)
    {
        ["python"] = new() { Name = "python", Image = "gadugi/python:3.11" },
        ["node"] = new() { Name = "node", Image = "gadugi/node:18" },
        ["shell"] = new() { Name = "shell", Image = "gadugi/shell:5.2" },
        ["multi"] = new() { Name = "multi", Image = "gadugi/multi:py3.11-node18" },
    };
}
