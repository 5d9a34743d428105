using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>The profile text is not one the engine would read exactly as this reader does.</summary>
internal sealed class SeccompProfileFormatException(string message) : Exception(message);

/// <summary>
/// Reads a seccomp profile strictly. The engine decodes profiles like Go's encoding/json: field names
/// match case-insensitively (with Unicode folding), the last of two equal names wins, unknown fields
/// are ignored. A checker that reads differently can be shown one profile while the engine applies
/// another ({"defaultAction":"SCMP_ACT_ERRNO", "DefaultAction":"SCMP_ACT_ALLOW"}). So every field name
/// must be spelled exactly as the engine's own, appear once, and be known; values must have the
/// engine's types (whole numbers, no fractions or exponents); and the engine is then sent the
/// profile as written back from this model (<see cref="SeccompProfileWriter"/>), never the original text.
/// </summary>
internal static class SeccompProfileReader
{
    public static readonly FrozenSet<string> Actions = FrozenSet.ToFrozenSet(
    [
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
    ], StringComparer.Ordinal);

    public static readonly FrozenSet<string> Operators = FrozenSet.ToFrozenSet(
        ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"],
        StringComparer.Ordinal);

    /// <summary>Linux system calls take at most six arguments; runc indexes an array of six with it.</summary>
    public const uint MaxArgumentIndex = 5;

    /// <summary>The largest errno a filter can return (the kernel's MAX_ERRNO).</summary>
    public const ulong MaxErrno = 4095;

    private static readonly string[] ProfileFields = ["comment", "defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls"];
    private static readonly string[] ArchitectureFields = ["architecture", "subArchitectures"];
    private static readonly string[] RuleFields = ["comment", "name", "names", "action", "errnoRet", "args", "includes", "excludes"];
    private static readonly string[] ArgumentFields = ["index", "value", "valueTwo", "op"];
    private static readonly string[] FilterFields = ["caps", "arches", "minKernel"];

    /// <summary>Parses <paramref name="json"/>; throws <see cref="SeccompProfileFormatException"/> naming the field at fault.</summary>
    public static SeccompProfile Read(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new SeccompProfileFormatException("it is not valid JSON: " + ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SeccompProfileFormatException("it is not a JSON object");
            }

            var fields = Fields(root, "the profile", ProfileFields);
            if (!fields.TryGetValue("defaultAction", out var defaultAction))
            {
                throw new SeccompProfileFormatException("it has no \"defaultAction\"");
            }

            if (fields.ContainsKey("architectures") && fields.ContainsKey("archMap"))
            {
                throw new SeccompProfileFormatException("it has both \"architectures\" and \"archMap\"; the engine accepts only one");
            }

            Text(fields, "comment", "\"comment\"");
            var syscalls = fields.TryGetValue("syscalls", out var rules) ? ReadRules(rules) : [];
            return new SeccompProfile(
                Action(defaultAction, "\"defaultAction\""),
                Errno(fields, "defaultErrnoRet", "\"defaultErrnoRet\""),
                Strings(fields, "architectures", "\"architectures\""),
                fields.TryGetValue("archMap", out var archMap) ? ReadArchMap(archMap) : [],
                syscalls);
        }
    }

    private static List<SeccompArchitecture> ReadArchMap(JsonElement archMap)
    {
        var result = new List<SeccompArchitecture>();
        foreach (var (entry, index) in Array(archMap, "\"archMap\"").Select((entry, index) => (entry, index)))
        {
            var where = Where("archMap", index);
            var fields = Fields(Object(entry, where), where, ArchitectureFields);
            if (!fields.TryGetValue("architecture", out var architecture))
            {
                throw new SeccompProfileFormatException(where + " has no \"architecture\"");
            }

            result.Add(new SeccompArchitecture(NonEmpty(architecture, where + ".architecture"), Strings(fields, "subArchitectures", where + ".subArchitectures")));
        }

        return result;
    }

    private static List<SeccompRule> ReadRules(JsonElement rules)
    {
        var result = new List<SeccompRule>();
        foreach (var (rule, index) in Array(rules, "\"syscalls\"").Select((rule, index) => (rule, index)))
        {
            result.Add(ReadRule(rule, Where("syscalls", index)));
        }

        return result;
    }

    private static SeccompRule ReadRule(JsonElement rule, string where)
    {
        var fields = Fields(Object(rule, where), where, RuleFields);
        if (!fields.TryGetValue("action", out var action))
        {
            throw new SeccompProfileFormatException(where + " has no \"action\"");
        }

        Text(fields, "comment", where + ".comment");
        var names = new List<string>();
        if (fields.TryGetValue("name", out var single))
        {
            if (fields.ContainsKey("names"))
            {
                throw new SeccompProfileFormatException(where + " has both \"name\" and \"names\"; the engine accepts only one");
            }

            names.Add(NonEmpty(single, where + ".name"));
        }

        names.AddRange(Strings(fields, "names", where + ".names"));
        if (names.Count == 0)
        {
            throw new SeccompProfileFormatException(where + " names no system call");
        }

        var args = new List<SeccompArgument>();
        if (fields.TryGetValue("args", out var argsElement))
        {
            foreach (var (argument, index) in Array(argsElement, where + ".args").Select((argument, index) => (argument, index)))
            {
                args.Add(ReadArgument(argument, string.Create(CultureInfo.InvariantCulture, $"{where}.args[{index}]")));
            }
        }

        return new SeccompRule(
            names,
            Action(action, where + ".action"),
            Errno(fields, "errnoRet", where + ".errnoRet"),
            args,
            Filter(fields, "includes", where + ".includes"),
            Filter(fields, "excludes", where + ".excludes"));
    }

    private static SeccompArgument ReadArgument(JsonElement argument, string where)
    {
        var fields = Fields(Object(argument, where), where, ArgumentFields);
        foreach (var required in new[] { "index", "value", "op" })
        {
            if (!fields.ContainsKey(required))
            {
                throw new SeccompProfileFormatException($"{where} has no \"{required}\"");
            }
        }

        var index = Number(fields["index"], where + ".index");
        if (index > MaxArgumentIndex)
        {
            throw new SeccompProfileFormatException($"{where}.index is {index}; a system call has arguments 0 to {MaxArgumentIndex}");
        }

        var op = NonEmpty(fields["op"], where + ".op");
        if (!Operators.Contains(op))
        {
            throw new SeccompProfileFormatException($"{where}.op is \"{op}\", not one of {string.Join(", ", Operators.Order(StringComparer.Ordinal))}");
        }

        return new SeccompArgument(
            (uint)index,
            Number(fields["value"], where + ".value"),
            fields.TryGetValue("valueTwo", out var two) ? Number(two, where + ".valueTwo") : 0,
            op);
    }

    private static SeccompRuleFilter Filter(Dictionary<string, JsonElement> fields, string name, string where)
    {
        if (!fields.TryGetValue(name, out var element))
        {
            return SeccompRuleFilter.None;
        }

        var filter = Fields(Object(element, where), where, FilterFields);
        string? minKernel = filter.TryGetValue("minKernel", out var kernel) ? NonEmpty(kernel, where + ".minKernel") : null;
        return new SeccompRuleFilter(Strings(filter, "caps", where + ".caps"), Strings(filter, "arches", where + ".arches"), minKernel);
    }

    /// <summary>The object's fields by name: each must be one of <paramref name="known"/>, spelled exactly so, and appear once.</summary>
    private static Dictionary<string, JsonElement> Fields(JsonElement element, string where, string[] known)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                // The engine would take "DefaultAction" for "defaultAction" (and "\u017Fyscalls" for "syscalls").
                var sameButCase = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
                throw new SeccompProfileFormatException(sameButCase is not null
                    ? $"{where} has the field \"{name}\"; write it exactly \"{sameButCase}\" (the engine reads names ignoring case, and the last of two wins)"
                    : $"{where} has the unknown field \"{name}\" (known: {string.Join(", ", known)})");
            }

            if (fields.ContainsKey(name))
            {
                throw new SeccompProfileFormatException($"{where} has the field \"{name}\" twice (the engine would use the last one)");
            }

            fields[name] = property.Value;
        }

        return fields;
    }

    private static JsonElement Object(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.Object ? element : throw new SeccompProfileFormatException(where + " is not a JSON object");

    private static JsonElement.ArrayEnumerator Array(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : throw new SeccompProfileFormatException(where + " is not an array");

    private static string Action(JsonElement element, string where)
    {
        var action = element.ValueKind == JsonValueKind.String ? element.GetString()! : null;
        return action is not null && Actions.Contains(action)
            ? action
            : throw new SeccompProfileFormatException($"{where} is {element.GetRawText()}, not one of {string.Join(", ", Actions.Order(StringComparer.Ordinal))}");
    }

    private static ulong? Errno(Dictionary<string, JsonElement> fields, string name, string where)
    {
        if (!fields.TryGetValue(name, out var element))
        {
            return null;
        }

        var errno = Number(element, where);
        return errno <= MaxErrno ? errno : throw new SeccompProfileFormatException($"{where} is {errno}, not an errno from 0 to {MaxErrno}");
    }

    /// <summary>A whole number from 0 to 2^64-1 written as digits: no sign, fraction or exponent, which the engine's decoder would refuse or read otherwise.</summary>
    private static ulong Number(JsonElement element, string where)
    {
        var raw = element.GetRawText();
        return element.ValueKind == JsonValueKind.Number && raw.All(char.IsAsciiDigit) && element.TryGetUInt64(out var number)
            ? number
            : throw new SeccompProfileFormatException($"{where} is {raw}, not a whole number from 0 to {ulong.MaxValue}");
    }

    private static string NonEmpty(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } text
            ? text
            : throw new SeccompProfileFormatException($"{where} is {element.GetRawText()}, not a non-empty string");

    private static void Text(Dictionary<string, JsonElement> fields, string name, string where)
    {
        if (fields.TryGetValue(name, out var element) && element.ValueKind != JsonValueKind.String)
        {
            throw new SeccompProfileFormatException(where + " is not a string");
        }
    }

    private static List<string> Strings(Dictionary<string, JsonElement> fields, string name, string where)
    {
        var result = new List<string>();
        if (fields.TryGetValue(name, out var element))
        {
            foreach (var (item, index) in Array(element, where).Select((item, index) => (item, index)))
            {
                result.Add(NonEmpty(item, string.Create(CultureInfo.InvariantCulture, $"{where}[{index}]")));
            }
        }

        return result;
    }

    private static string Where(string field, int index) => string.Create(CultureInfo.InvariantCulture, $"\"{field}\"[{index}]");
}
