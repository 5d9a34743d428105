using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;

namespace Gadugi.BuildExec.Core.Execution.Admission;

/// <summary>
/// Keeps the host's root directory and the container engine's socket out of every mount: a
/// sandbox that could reach the socket could start a privileged container and own the host.
/// </summary>
internal static class EngineSocketGuard
{
    private const int MaxLinkDepth = 40;

    /// <summary>The sockets an engine may listen on: the endpoint's own (for unix:// endpoints) and the usual ones.</summary>
    public static IReadOnlyList<string> SocketPaths(Uri? endpoint)
    {
        var paths = new List<string>();
        var resolved = endpoint ?? SandboxEngines.DefaultEndpoint();
        if (resolved.Scheme == "unix" && !string.IsNullOrEmpty(resolved.LocalPath))
        {
            paths.Add(resolved.LocalPath);
        }

        paths.Add("/var/run/docker.sock");
        paths.Add("/run/docker.sock");
        return paths.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Throws GBX1401 when <paramref name="directory"/> is '/' or is or contains one of <paramref name="sockets"/>.</summary>
    public static void Check(string directory, string option, IEnumerable<string> sockets)
    {
        var forms = new[] { Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), Resolve(directory) }.Distinct(StringComparer.Ordinal).ToArray();
        if (forms.Any(form => form == "/"))
        {
            throw Refused(option, directory, "is the host's root directory");
        }

        foreach (var socket in sockets)
        {
            var socketForms = new[] { Path.GetFullPath(socket), Resolve(socket) };
            if (forms.Any(form => socketForms.Any(s => Holds(form, s))))
            {
                throw Refused(option, directory, $"is or contains the container engine's socket '{socket}'");
            }
        }
    }

    private static GadugiException Refused(string option, string directory, string reason) =>
        new(Diagnostic.Create(nameof(DiagnosticMessages.MountExposesHost), option, directory, reason));

    private static bool Holds(string directory, string path) =>
        path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it followed (as far as the links exist).</summary>
    internal static string Resolve(string path)
    {
        var current = "/";
        var pending = new Queue<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var links = 0;
        while (pending.TryDequeue(out var part))
        {
            var next = Path.Combine(current, part);
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable: keep the path as written.
            }

            if (target is null || ++links > MaxLinkDepth)
            {
                current = next;
                continue;
            }

            var rest = pending.ToArray();
            var absolute = Path.GetFullPath(target, current);
            pending = new Queue<string>(absolute.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
            current = "/";
        }

        return current;
    }
}
