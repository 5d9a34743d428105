using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>How records are serialised and chained; shared by the writer and the verifier.</summary>
public static class AuditChain
{
    public static readonly string GenesisHash = new('0', 64);

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string HashLine(ReadOnlySpan<byte> lineWithoutNewline) =>
        Convert.ToHexStringLower(SHA256.HashData(lineWithoutNewline));

    public static string HashLine(string line) => HashLine(Encoding.UTF8.GetBytes(line));

    public static byte[] Serialize(AuditRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, JsonOptions);
}
