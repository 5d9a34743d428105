using System.Globalization;
using System.Text;

namespace Gadugi.BuildExec.Images;

/// <summary>Reads /proc/self/mountinfo to find, and detach, mounts left below a folder.</summary>
internal static class MountTable
{
    private const string MountInfo = "/proc/self/mountinfo";

    /// <summary>Mount points strictly below <paramref name="folder"/>, deepest first.</summary>
    public static IReadOnlyList<string> MountPointsBelow(string folder)
    {
        if (!File.Exists(MountInfo))
        {
            return [];
        }

        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + "/";
        return File.ReadLines(MountInfo)
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 4)
            .Select(fields => Unescape(fields[4]))
            .Where(mountPoint => mountPoint.StartsWith(prefix, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(mountPoint => mountPoint.Length)
            .ToList();
    }

    /// <summary>Lazily detaches every mount below <paramref name="folder"/>; returns those that stayed.</summary>
    public static IReadOnlyList<string> DetachAllBelow(string folder)
    {
        foreach (var mountPoint in MountPointsBelow(folder))
        {
            NativeMethods.DetachMount(mountPoint);
        }

        return MountPointsBelow(folder);
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as \ooo octal escapes.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var result = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && int.TryParse(field.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                result.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                result.Append(field[i]);
            }
        }

        return result.ToString();
    }
}
