using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>
/// A System V shared memory segment on the host, made (with util-linux's ipcmk) so the sandbox's
/// IPC probe has something to find if it shared the host's IPC namespace; removed on dispose.
/// </summary>
internal sealed partial class HostIpcSegment : IDisposable
{
    private HostIpcSegment(int id) => Id = id;

    public int Id { get; }

    public static HostIpcSegment Create()
    {
        var output = Run("ipcmk", "-M", "4096", "-p", "0600");
        var match = ShmId().Match(output);
        Assert.IsTrue(match.Success, "ipcmk printed no id: " + output);
        var segment = new HostIpcSegment(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        var visible = File.ReadAllLines("/proc/sysvipc/shm").Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.Contains(segment.Id.ToString(CultureInfo.InvariantCulture), visible, "the host segment is visible on the host");
        return segment;
    }

    public void Dispose() => Run("ipcrm", "-m", Id.ToString(CultureInfo.InvariantCulture));

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"{program} failed: {errors.GetAwaiter().GetResult()}");
        return output;
    }

    [GeneratedRegex(@"Shared memory id: (\d+)")]
    private static partial Regex ShmId();
}
