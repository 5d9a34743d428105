using System.Globalization;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using YamlDotNet.RepresentationModel;

namespace Gadugi.BuildExec.Core.Policies;

/// <summary>Reads the settings of one policy; every key has one parser that states what it allows.</summary>
internal static class PolicyFieldReader
{
    private delegate SandboxPolicy? FieldParser(SandboxPolicy policy, YamlNode value, FieldSite site);

    private sealed record Field(string Allowed, FieldParser Parse);

    private static readonly IReadOnlyDictionary<string, Field> Fields = new Dictionary<string, Field>(StringComparer.Ordinal)
    {
        ["image"] = new("an image reference, e.g. \"gadugi/python:3.11\"", (p, v, s) => FieldSite.Scalar(v) is { Length: > 0 } image && !image.Any(char.IsWhiteSpace) ? p with { Image = image } : s.Invalid(v)),
        ["memory"] = new(PolicyValueParser.SizeAllowed + ", at least 6m", (p, v, s) => PolicyValueParser.ParseSize(FieldSite.Scalar(v) ?? string.Empty) is { } bytes && bytes >= 6L * 1024 * 1024 ? p with { MemoryBytes = bytes } : s.Invalid(v)),
        ["cpus"] = new(PolicyValueParser.CpusAllowed, (p, v, s) => PolicyValueParser.ParseCpus(FieldSite.Scalar(v) ?? string.Empty) is { } cpus && cpus <= 1024 ? p with { Cpus = cpus } : s.Invalid(v)),
        ["network"] = new("\"none\", \"bridge\", or { allow: [\"host:port\", \"10.0.0.0/24\", …] }", ReadNetwork),
        ["readonly"] = new("true (the root filesystem is always read-only)", ReadReadOnly),
        ["tmpfs"] = new("a list of absolute paths, e.g. [\"/tmp\", \"/var/cache/app\"]", ReadTmpfs),
        ["pids"] = new("a whole number of processes from 8 to 32768", (p, v, s) => FieldSite.Integer(v, 8, 32768) is { } pids ? p with { PidsLimit = pids } : s.Invalid(v)),
        ["disk"] = new(PolicyValueParser.SizeAllowed + ", at least 1m", (p, v, s) => PolicyValueParser.ParseSize(FieldSite.Scalar(v) ?? string.Empty) is { } bytes && bytes >= 1024 * 1024 ? p with { DiskBytes = bytes } : s.Invalid(v)),
        ["open_files"] = new("a whole number from 64 to 1048576", (p, v, s) => FieldSite.Integer(v, 64, 1048576) is { } files ? p with { OpenFiles = files } : s.Invalid(v)),
        ["timeout"] = new(PolicyValueParser.DurationAllowed + ", at most 24h", (p, v, s) => PolicyValueParser.ParseDuration(FieldSite.Scalar(v) ?? string.Empty) is { } timeout && timeout > TimeSpan.Zero && timeout <= TimeSpan.FromHours(24) ? p with { Timeout = timeout } : s.Invalid(v)),
        ["output_limit"] = new(PolicyValueParser.SizeAllowed + ", at least 1k", (p, v, s) => PolicyValueParser.ParseSize(FieldSite.Scalar(v) ?? string.Empty) is { } bytes && bytes >= 1024 ? p with { OutputLimitBytes = bytes } : s.Invalid(v)),
        ["capture_limit"] = new(PolicyValueParser.SizeAllowed + ", at least 1k", (p, v, s) => PolicyValueParser.ParseSize(FieldSite.Scalar(v) ?? string.Empty) is { } bytes && bytes >= 1024 ? p with { CaptureLimitBytes = bytes } : s.Invalid(v)),
        ["input_limit"] = new(PolicyValueParser.SizeAllowed + ", at least 1k", (p, v, s) => PolicyValueParser.ParseSize(FieldSite.Scalar(v) ?? string.Empty) is { } bytes && bytes >= 1024 ? p with { InputLimitBytes = bytes } : s.Invalid(v)),
        ["env"] = new("a list of environment variable names, e.g. [\"CI\", \"NUGET_PACKAGES\"]", ReadEnv),
        ["runtime"] = new("\"runc\" or \"gvisor\"", (p, v, s) => FieldSite.Scalar(v) switch
        {
            "runc" => p with { Runtime = SandboxRuntime.Runc },
            "gvisor" => p with { Runtime = SandboxRuntime.Gvisor },
            _ => s.Invalid(v),
        }),
        ["fallback"] = new("\"none\" (fail when no engine answers) or \"shell\" (run unsandboxed on the host, with a warning)", (p, v, s) => FieldSite.Scalar(v) switch
        {
            "none" => p with { Fallback = FallbackMode.None },
            "shell" => p with { Fallback = FallbackMode.Shell },
            _ => s.Invalid(v),
        }),
        ["workspace"] = new("\"ro\" (default) or \"rw\"", (p, v, s) => FieldSite.Scalar(v) switch
        {
            "ro" => p with { Workspace = WorkspaceAccess.ReadOnly },
            "rw" => p with { Workspace = WorkspaceAccess.ReadWrite },
            _ => s.Invalid(v),
        }),
        ["seccomp"] = new("a path to a seccomp profile (JSON), relative to the policy file", ReadSeccomp),
        ["protect"] = new("a list of paths relative to the workspace that a workspace: rw sandbox may not change, e.g. [\".vscode\", \".github/workflows\"] (added to the built-in list, which always applies)", ReadProtect),
    };

    public static IReadOnlyCollection<string> Keys => (IReadOnlyCollection<string>)Fields.Keys;

    public static SandboxPolicy? Read(string name, YamlNode body, PolicyParseContext context)
    {
        var prefix = "policies." + name;
        if (body is not YamlMappingNode mapping)
        {
            context.Report(body.Start, prefix, nameof(DiagnosticMessages.PolicyStructure), prefix, "a mapping of settings such as { image: ..., memory: ... }", PolicyFileLoader.Describe(body));
            return null;
        }

        var policy = PolicyDefaults.BuiltIn.TryGetValue(name, out var builtIn)
            ? builtIn with { Source = context.File }
            : new SandboxPolicy { Name = name, Image = string.Empty, Source = context.File };
        var issuesBefore = context.Issues.Count;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            if (!Fields.TryGetValue(key, out var field))
            {
                context.Report(keyNode.Start, prefix + "." + key, nameof(DiagnosticMessages.PolicyUnknownKey), prefix, key, string.Join(", ", Fields.Keys), PolicyFileLoader.Suggest(key, Fields.Keys));
                continue;
            }

            var site = new FieldSite(context, prefix + "." + key, field.Allowed);
            policy = field.Parse(policy, valueNode, site) ?? policy;
        }

        if (policy.Image.Length == 0)
        {
            context.Report(mapping.Start, prefix + ".image", nameof(DiagnosticMessages.PolicyMissingImage), prefix);
        }

        return context.Issues.Count == issuesBefore ? policy : null;
    }

    private static SandboxPolicy? ReadNetwork(SandboxPolicy policy, YamlNode value, FieldSite site)
    {
        if (value is YamlScalarNode scalar)
        {
            return scalar.Value switch
            {
                "none" => policy with { Network = NetworkPolicy.None },
                "bridge" => policy with { Network = NetworkPolicy.Bridge },
                _ => site.Invalid(value),
            };
        }

        if (value is not YamlMappingNode mapping || mapping.Children.Count != 1
            || !mapping.Children.TryGetValue(new YamlScalarNode("allow"), out var allowNode)
            || allowNode is not YamlSequenceNode allowList || allowList.Children.Count == 0)
        {
            return site.Invalid(value);
        }

        var destinations = new List<NetworkDestination>();
        foreach (var entry in allowList.Children)
        {
            var text = (entry as YamlScalarNode)?.Value ?? string.Empty;
            if (PolicyValueParser.ParseDestination(text) is { } destination)
            {
                destinations.Add(destination);
            }
            else
            {
                site.Invalid(entry, "an address, host name or IPv4 CIDR with an optional port, e.g. \"10.20.0.5:8080\", \"pypi-mirror.internal:443\", \"192.168.50.0/24\"");
            }
        }

        return policy with { Network = new NetworkPolicy(NetworkMode.Allowlist, destinations) };
    }

    private static SandboxPolicy? ReadReadOnly(SandboxPolicy policy, YamlNode value, FieldSite site)
    {
        var text = FieldSite.Scalar(value);
        if (text == "true")
        {
            return policy;
        }

        if (text == "false")
        {
            site.Locked(value, "readonly", "false", "the root filesystem is always read-only. Remove the key or set it to true; use tmpfs: [...] or workspace: rw for writable space");
            return null;
        }

        return site.Invalid(value);
    }

    private static SandboxPolicy? ReadTmpfs(SandboxPolicy policy, YamlNode value, FieldSite site)
    {
        if (value is not YamlSequenceNode list)
        {
            return site.Invalid(value);
        }

        var paths = new List<string> { "/tmp" };
        foreach (var entry in list.Children)
        {
            var (normalized, refusal) = TmpfsPaths.Normalize((entry as YamlScalarNode)?.Value ?? string.Empty);
            if (normalized is null)
            {
                site.Invalid(entry, $"{TmpfsPaths.Allowed} (this one is {refusal})");
                continue;
            }

            if (!paths.Contains(normalized))
            {
                paths.Add(normalized);
            }
        }

        return policy with { Tmpfs = paths };
    }

    private static SandboxPolicy? ReadProtect(SandboxPolicy policy, YamlNode value, FieldSite site)
    {
        if (value is not YamlSequenceNode list)
        {
            return site.Invalid(value);
        }

        var paths = new List<string>();
        foreach (var entry in list.Children)
        {
            var path = (entry as YamlScalarNode)?.Value ?? string.Empty;
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (path.StartsWith('/') || parts.Length == 0 || parts.Any(part => part is "." or ".." || part.Contains('\0', StringComparison.Ordinal)))
            {
                site.Invalid(entry, "a path relative to the workspace, without '.' or '..' components, e.g. \".vscode\" or \"tools/hooks\"");
                continue;
            }

            paths.Add(string.Join('/', parts));
        }

        return policy with { Protect = paths };
    }

    private static SandboxPolicy? ReadEnv(SandboxPolicy policy, YamlNode value, FieldSite site)
    {
        if (value is not YamlSequenceNode list)
        {
            return site.Invalid(value);
        }

        var names = new List<string>();
        foreach (var entry in list.Children)
        {
            var name = (entry as YamlScalarNode)?.Value ?? string.Empty;
            if (PolicyValueParser.IsEnvironmentName(name))
            {
                names.Add(name);
            }
            else
            {
                site.Invalid(entry, "an environment variable name (letters, digits and '_', not starting with a digit)");
            }
        }

        return policy with { EnvAllowlist = names };
    }

    private static SandboxPolicy? ReadSeccomp(SandboxPolicy policy, YamlNode value, FieldSite site)
    {
        var path = FieldSite.Scalar(value);
        if (string.IsNullOrWhiteSpace(path))
        {
            return site.Invalid(value);
        }

        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(site.Context.File)) ?? Directory.GetCurrentDirectory();
        var resolved = Path.GetFullPath(path, baseDirectory);
        if (!File.Exists(resolved))
        {
            return site.Invalid(value, $"an existing seccomp profile file; '{resolved}' does not exist");
        }

        // Judged now as well as at run time, so 'policy check' refuses what the run would (GBX3001, GBX3101).
        try
        {
            SeccompProfiles.Normalize(File.ReadAllText(resolved), resolved, policy.Name);
        }
        catch (Exception ex) when (ex is GadugiException or IOException or UnauthorizedAccessException)
        {
            var diagnostic = ex is GadugiException coded ? coded.Diagnostic : Diagnostic.Create(nameof(DiagnosticMessages.SeccompProfileInvalid), resolved, policy.Name, ex.Message);
            site.Report(value, diagnostic);
            return null;
        }

        return policy with { SeccompProfile = resolved };
    }

    /// <summary>Where a value sits, so a parser can report it with the field's allowed values.</summary>
    private sealed class FieldSite(PolicyParseContext context, string field, string allowed)
    {
        public PolicyParseContext Context => context;

        public static string? Scalar(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value : null;

        public static long? Integer(YamlNode node, long min, long max) =>
            long.TryParse(Scalar(node), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
                ? number
                : null;

        public SandboxPolicy? Invalid(YamlNode node, string? allowedOverride = null)
        {
            var shown = node is YamlScalarNode scalar ? scalar.Value ?? string.Empty : PolicyFileLoader.Describe(node);
            context.Report(node.Start, field, nameof(DiagnosticMessages.PolicyInvalidValue), field, shown, allowedOverride ?? allowed);
            return null;
        }

        public void Report(YamlNode node, Diagnostic diagnostic) => context.Report(node.Start, field, diagnostic);

        public void Locked(YamlNode node, string key, string given, string why) =>
            context.Report(node.Start, field, nameof(DiagnosticMessages.PolicyHardeningLocked), field, key, given, why);
    }
}
