using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gadugi.BuildExec.Images;

/// <summary>
/// The recipe hash: SHA-256 over every file of the recipe folder and common/ (ordered by path,
/// CRLF read as LF so checkouts on any OS agree) and the fingerprints of the dynamic inputs.
/// Each part is length-prefixed, so moving bytes between files or names always changes the hash.
/// </summary>
public static class RecipeHasher
{
    private const string FormatVersion = "gadugi-recipe-hash/1";

    public static string Compute(IEnumerable<RecipeFile> files, IEnumerable<RecipeInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(inputs);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, FormatVersion);
        foreach (var file in files.OrderBy(file => file.Path, StringComparer.Ordinal))
        {
            AppendText(hash, "file");
            AppendText(hash, file.Path);
            AppendBytes(hash, WithLfLineEndings(file.Content.Span));
        }

        foreach (var input in inputs.OrderBy(input => input.Name, StringComparer.Ordinal))
        {
            AppendText(hash, "input");
            AppendText(hash, input.Name);
            AppendText(hash, input.Fingerprint);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendText(IncrementalHash hash, string text) => AppendBytes(hash, Encoding.UTF8.GetBytes(text));

    private static void AppendBytes(IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        hash.AppendData(Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":"));
        hash.AppendData(bytes);
    }

    private static byte[] WithLfLineEndings(ReadOnlySpan<byte> content)
    {
        var result = new List<byte>(content.Length);
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] == (byte)'\r' && i + 1 < content.Length && content[i + 1] == (byte)'\n')
            {
                continue;
            }

            result.Add(content[i]);
        }

        return [.. result];
    }
}
