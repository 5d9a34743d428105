namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The native client's counterpart of the managed CLI's ServiceLost (which reads the text through Core):
/// the service ended in the middle of a run (GBX7004), so the command's outcome is unknown, and 125.
/// </summary>
internal static class ServiceLost
{
    public static int Report(Stream stderr)
    {
        var text = $"gadugi-exec: error {Client.Messages.Format(Client.Messages.Core, "ServiceLost")}\n";
        stderr.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return Client.ManagedCli.OwnFailure;
    }
}
