using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>--json on the commands that report: one JSON document on stdout, snake_case names, nothing else there.</summary>
internal static class CliJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Option<bool> CreateOption(string what) => new("--json") { Description = $"Print {what} as one JSON document on stdout instead of text." };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static void Write<T>(T value)
    {
        Console.Out.Write(JsonSerializer.Serialize(value, Options));
        Console.Out.WriteLine();
        Console.Out.Flush();
    }
}
