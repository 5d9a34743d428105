using System.Text;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>The verdict on an audit log: intact, or the first line where the chain breaks and why.</summary>
public sealed record AuditVerification(bool IsIntact, long Records, string HeadHash, long? BrokenLine, string? Problem)
{
    public override string ToString() => IsIntact
        ? $"OK: {Records} record(s), chain intact, head {HeadHash}"
        : $"BROKEN at line {BrokenLine}: {Problem}";
}

/// <summary>
/// Walks the chain from the first record: each line must parse, carry the next sequence number and
/// hold the hash of the line before it. The head hash lets a copy kept elsewhere detect a removed tail.
/// </summary>
public static class AuditVerifier
{
    /// <summary>Verifies the log at <paramref name="path"/>; throws GBX1310 when it is not a regular file.</summary>
    public static AuditVerification Verify(string path, string? expectedHead = null)
    {
        var previousHash = AuditChain.GenesisHash;
        long expectedSeq = 1;
        long lineNumber = 0;
        foreach (var line in ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                return Broken(lineNumber, expectedSeq - 1, previousHash, "empty line: a record was blanked out");
            }

            long seq;
            string prev;
            try
            {
                using var document = JsonDocument.Parse(line);
                seq = document.RootElement.GetProperty("seq").GetInt64();
                prev = document.RootElement.GetProperty("prev").GetString() ?? string.Empty;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return Broken(lineNumber, expectedSeq - 1, previousHash, $"not a valid record ({ex.GetType().Name}): the line was truncated or edited");
            }

            if (seq > expectedSeq)
            {
                return Broken(lineNumber, expectedSeq - 1, previousHash, $"record {expectedSeq} is missing (found seq {seq} where {expectedSeq} was expected)");
            }

            if (seq != expectedSeq)
            {
                return Broken(lineNumber, expectedSeq - 1, previousHash, $"seq {seq} where {expectedSeq} was expected: records were duplicated or reordered");
            }

            if (!string.Equals(prev, previousHash, StringComparison.Ordinal))
            {
                var what = lineNumber == 1 ? "the first record does not start the chain" : $"the record on line {lineNumber - 1} was changed after it was written";
                return Broken(lineNumber, expectedSeq - 1, previousHash, $"prev hash mismatch: {what}");
            }

            previousHash = AuditChain.HashLine(line);
            expectedSeq++;
        }

        if (expectedHead is not null && !string.Equals(expectedHead, previousHash, StringComparison.OrdinalIgnoreCase))
        {
            return Broken(lineNumber, expectedSeq - 1, previousHash, $"head hash is {previousHash}, expected {expectedHead}: the last record(s) were changed or removed");
        }

        return new AuditVerification(true, expectedSeq - 1, previousHash, null, null);
    }

    private static AuditVerification Broken(long line, long intactRecords, string head, string problem) =>
        new(false, intactRecords, head, line, problem);

    /// <summary>
    /// The file's lines as raw bytes (without '\n'), read as a stream so a large log is not held in
    /// memory. Throws GBX1310 for a link, FIFO or device at the path (see <see cref="AuditFile"/>).
    /// </summary>
    public static IEnumerable<byte[]> ReadLines(string path)
    {
        using var file = AuditFile.OpenForRead(path);
        if (file is null)
        {
            yield break;
        }

        using var line = new MemoryStream();
        var buffer = new byte[65536];
        int count;
        while ((count = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < count; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    line.Write(buffer, start, i - start);
                    yield return line.ToArray();
                    line.SetLength(0);
                    start = i + 1;
                }
            }

            line.Write(buffer, start, count - start);
        }

        if (line.Length > 0)
        {
            yield return line.ToArray();
        }
    }

    /// <summary>Convenience for tests and tools: the hash of a line of text.</summary>
    public static string Hash(string line) => AuditChain.HashLine(Encoding.UTF8.GetBytes(line));
}
