using System.Text;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// Writes a <see cref="SeccompProfile"/> as the compact JSON the engine receives: each field once,
/// spelled as the engine's decoder names it, "names" for every rule, no comments. This text, not
/// the policy's file, is what the engine applies, so it is exactly the profile that was checked.
/// </summary>
internal static class SeccompProfileWriter
{
    public static string Write(SeccompProfile profile)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteString("defaultAction", profile.DefaultAction);
            if (profile.DefaultErrnoRet is { } errno)
            {
                json.WriteNumber("defaultErrnoRet", errno);
            }

            if (profile.Architectures.Count > 0)
            {
                WriteStrings(json, "architectures", profile.Architectures);
            }

            if (profile.ArchMap.Count > 0)
            {
                json.WriteStartArray("archMap");
                foreach (var architecture in profile.ArchMap)
                {
                    json.WriteStartObject();
                    json.WriteString("architecture", architecture.Architecture);
                    WriteStrings(json, "subArchitectures", architecture.SubArchitectures);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteStartArray("syscalls");
            foreach (var rule in profile.Syscalls)
            {
                WriteRule(json, rule);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteRule(Utf8JsonWriter json, SeccompRule rule)
    {
        json.WriteStartObject();
        WriteStrings(json, "names", rule.Names);
        json.WriteString("action", rule.Action);
        if (rule.ErrnoRet is { } errno)
        {
            json.WriteNumber("errnoRet", errno);
        }

        if (rule.Args.Count > 0)
        {
            json.WriteStartArray("args");
            foreach (var argument in rule.Args)
            {
                json.WriteStartObject();
                json.WriteNumber("index", argument.Index);
                json.WriteNumber("value", argument.Value);
                json.WriteNumber("valueTwo", argument.ValueTwo);
                json.WriteString("op", argument.Op);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        WriteFilter(json, "includes", rule.Includes);
        WriteFilter(json, "excludes", rule.Excludes);
        json.WriteEndObject();
    }

    private static void WriteFilter(Utf8JsonWriter json, string name, SeccompRuleFilter filter)
    {
        if (filter.IsEmpty)
        {
            return;
        }

        json.WriteStartObject(name);
        if (filter.Caps.Count > 0)
        {
            WriteStrings(json, "caps", filter.Caps);
        }

        if (filter.Arches.Count > 0)
        {
            WriteStrings(json, "arches", filter.Arches);
        }

        if (filter.MinKernel is { } kernel)
        {
            json.WriteString("minKernel", kernel);
        }

        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
