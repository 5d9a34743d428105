using System.Globalization;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// Who the sandbox's own processes run as: the engine's init, the keeper that ends an orphaned
/// sandbox at its deadline, and the executor's usage reader. Never the command's uid: a process can
/// signal, and read the descriptors of, any process of its own uid in its PID namespace, so a
/// command sharing the keeper's uid could SIGSTOP it (and its sandbox would outlive its owner) or
/// write forged figures into the usage reader's output. No capabilities either, like the command.
/// </summary>
internal static class SandboxKeeper
{
    public const int Uid = 10002;

    /// <summary>Used when the command itself runs as <see cref="Uid"/> (a caller with that uid and a writable workspace).</summary>
    public const int AlternateUid = 10003;

    public static string UserFor(string commandUser)
    {
        var commandUid = commandUser.Split(':')[0];
        var uid = commandUid == Uid.ToString(CultureInfo.InvariantCulture) ? AlternateUid : Uid;
        return string.Create(CultureInfo.InvariantCulture, $"{uid}:{uid}");
    }
}
