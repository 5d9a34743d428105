namespace Gadugi.BuildExec.Images;

/// <summary>
/// Debian's version ordering (deb-version(7)): epoch, then upstream version and revision compared
/// part by part, where runs of digits compare as numbers and in the other runs '~' sorts before
/// everything (even the end), letters before non-letters.
/// </summary>
public static class DebianVersion
{
    /// <summary>Negative when <paramref name="left"/> is older than <paramref name="right"/>, zero when equal, positive when newer.</summary>
    public static int Compare(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var (leftEpoch, leftUpstream, leftRevision) = Split(left);
        var (rightEpoch, rightUpstream, rightRevision) = Split(right);
        var epoch = leftEpoch.CompareTo(rightEpoch);
        if (epoch != 0)
        {
            return epoch;
        }

        var upstream = CompareFragment(leftUpstream, rightUpstream);
        return upstream != 0 ? upstream : CompareFragment(leftRevision, rightRevision);
    }

    private static (long Epoch, string Upstream, string Revision) Split(string version)
    {
        version = version.Trim();
        var colon = version.IndexOf(':', StringComparison.Ordinal);
        long epoch = 0;
        if (colon > 0 && long.TryParse(version.AsSpan(0, colon), out var parsed))
        {
            epoch = parsed;
            version = version[(colon + 1)..];
        }

        var hyphen = version.LastIndexOf('-');
        return hyphen < 0 ? (epoch, version, string.Empty) : (epoch, version[..hyphen], version[(hyphen + 1)..]);
    }

    private static int CompareFragment(string left, string right)
    {
        var i = 0;
        var j = 0;
        while (i < left.Length || j < right.Length)
        {
            // The non-digit run, character by character.
            while ((i < left.Length && !char.IsAsciiDigit(left[i])) || (j < right.Length && !char.IsAsciiDigit(right[j])))
            {
                var order = Order(left, i) - Order(right, j);
                if (order != 0)
                {
                    return order;
                }

                i++;
                j++;
            }

            // The digit run, as a number (leading zeros do not count).
            while (i < left.Length && left[i] == '0')
            {
                i++;
            }

            while (j < right.Length && right[j] == '0')
            {
                j++;
            }

            var firstDifference = 0;
            while (i < left.Length && char.IsAsciiDigit(left[i]) && j < right.Length && char.IsAsciiDigit(right[j]))
            {
                if (firstDifference == 0)
                {
                    firstDifference = left[i] - right[j];
                }

                i++;
                j++;
            }

            if (i < left.Length && char.IsAsciiDigit(left[i]))
            {
                return 1;
            }

            if (j < right.Length && char.IsAsciiDigit(right[j]))
            {
                return -1;
            }

            if (firstDifference != 0)
            {
                return firstDifference;
            }
        }

        return 0;
    }

    /// <summary>The weight of the character at <paramref name="index"/> in a non-digit run; past the end or at a digit, 0.</summary>
    private static int Order(string text, int index)
    {
        if (index >= text.Length)
        {
            return 0;
        }

        var c = text[index];
        return c switch
        {
            '~' => -1,
            _ when char.IsAsciiDigit(c) => 0,
            _ when char.IsAsciiLetter(c) => c,
            _ => c + 256,
        };
    }
}
