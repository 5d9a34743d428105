using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using Gadugi.BuildExec.Cli.Commands;
using Gadugi.BuildExec.Cli.Run;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// One client's run or hook in the service: its uid checked (the kernel's word), its hello read, its
/// command line parsed as <c>gadugi-exec run</c> or <c>hook</c> parses it, and the command served with the
/// client's streams, directory, terminal and signals. A client that hangs up cancels it (the sandbox is
/// removed). While a hook runs, the client hears a heartbeat: a service that goes silent blocks the hook.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class ServiceSession(Socket socket, IRunExecutors executors, ILogger logger)
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();

    public async Task ServeAsync(CancellationToken stopping)
    {
        var peer = PeerCredentials.Of(socket);
        if (peer.Uid != ServiceLocation.Uid)
        {
            var refusal = Diagnostic.Create(nameof(DiagnosticMessages.ServiceCallerRefused), peer.Uid, peer.ProcessId, ServiceLocation.Uid);
            ServiceLog.Refused(logger, refusal.ToString());
            ServiceFrames.Write(socket, _gate, ServiceFrames.Refused, Encoding.UTF8.GetBytes(refusal.ToString()));
            return;
        }

        using var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        helloTimeout.CancelAfter(HelloTimeout);
        var first = await ServiceFrames.ReadAsync(socket, helloTimeout.Token).ConfigureAwait(false);
        var hello = first is (ServiceFrames.Hello, var payload) ? ServiceHello.Decode(payload) : null;
        if (hello is null)
        {
            ServiceFrames.Write(socket, _gate, ServiceFrames.NotHandled, Encoding.UTF8.GetBytes("protocol"));
            return;
        }

        if (PoolRequest.ServiceAnswers(hello.Arguments))
        {
            await ServePoolAsync(hello.Arguments).ConfigureAwait(false);
            return;
        }

        var run = RunCommand.Create(out var options);
        var hook = HookCommand.Create(out var hookOptions);
        var root = CliCommands.CreateRoot(run, hook);
        var parse = root.Parse(hello.Arguments.ToArray());
        if (ServesHook(parse, hook, hookOptions))
        {
            var acceptance = new HookAcceptance(HookCommand.Allows(parse, hookOptions), (int)HeartbeatInterval.TotalMilliseconds, HookCommand.Shown(parse, hookOptions));
            ServiceFrames.Write(socket, _gate, ServiceFrames.Accepted, acceptance.Encode());
            using var heartbeat = new Timer(_ => TrySend(ServiceFrames.Heartbeat), null, HeartbeatInterval, HeartbeatInterval);
            await ServeAsync(hello, host => HookCommand.ExecuteAsync(parse, hookOptions, host)).ConfigureAwait(false);
            return;
        }

        if (!Serves(parse, run, options))
        {
            ServiceFrames.Write(socket, _gate, ServiceFrames.NotHandled, []);
            return;
        }

        ServiceFrames.Write(socket, _gate, ServiceFrames.Accepted, []);
        await ServeAsync(hello, async host => RunCommand.ReportParseErrors(parse, run, host.Messages) ?? await RunCommand.ExecuteAsync(parse, options, host).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>How often a served hook's client hears that the service is still there.</summary>
    internal static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>The accepted command, served with the client's streams, directory, terminal and signals; its exit code sent last.</summary>
    private async Task ServeAsync(ServiceHello hello, Func<RunHost, Task<int>> execute)
    {
        using var gone = new CancellationTokenSource();
        var input = new RemoteInputStream(socket, _gate);
        var error = new RemoteOutputStream(socket, _gate, ServiceFrames.StderrData);
        using var messages = new StreamWriter(error, new UTF8Encoding(false), bufferSize: 1024, leaveOpen: true) { AutoFlush = true };
        var signals = new RemoteSignals();
        var host = new RunHost
        {
            Path = "service",
            BaseDirectory = hello.WorkingDirectory,
            Input = input,
            Output = new RemoteOutputStream(socket, _gate, ServiceFrames.StdoutData),
            Error = error,
            Messages = messages,
            StdinAndStdoutAreTerminals = hello.StdinIsTerminal && hello.StdoutIsTerminal,
            TerminalSize = () => new TerminalSize(hello.Columns, hello.Rows),
            ListenForSignals = signals.Listen,
            RawMode = () =>
            {
                ServiceFrames.Write(socket, _gate, ServiceFrames.TerminalRaw, []);
                return NoRawMode.Instance;
            },
            Executors = executors,
            Gone = gone.Token,
        };

        var reading = ReadClientAsync(input, signals, gone);
        int exitCode;
        try
        {
            exitCode = await execute(host).ConfigureAwait(false);
        }
        finally
        {
            input.End();
        }

        try
        {
            ServiceFrames.WriteInt(socket, _gate, ServiceFrames.Exit, exitCode);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The client hung up before it heard the end.
        }

        await gone.CancelAsync().ConfigureAwait(false);
        _ = reading;
    }

    private void TrySend(byte frameType)
    {
        try
        {
            ServiceFrames.Write(socket, _gate, frameType, []);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client is gone, or the command has ended: its reader or its end says the rest.
        }
    }

    /// <summary><c>gadugi-exec pool status|drain</c>: answered from this service's pool, on the client's stdout.</summary>
    private async Task ServePoolAsync(IReadOnlyList<string> arguments)
    {
        ServiceFrames.Write(socket, _gate, ServiceFrames.Accepted, []);
        int exitCode;
        await using (var output = new StreamWriter(new RemoteOutputStream(socket, _gate, ServiceFrames.StdoutData), new UTF8Encoding(false), bufferSize: 4096, leaveOpen: false))
        {
            var root = new RootCommand(CliCommands.Description) { PoolCommand.Create(executors.Pool, output) };
            exitCode = await root.Parse(arguments.ToArray()).InvokeAsync(new InvocationConfiguration { Output = output, Error = output }).ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        ServiceFrames.WriteInt(socket, _gate, ServiceFrames.Exit, exitCode);
        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>
    /// The hooks the service runs: a command line that parses (one that does not blocks in the caller's
    /// process, GBX6104), not --no-pool, no JSON logs.
    /// </summary>
    private static bool ServesHook(ParseResult parse, Command hook, HookOptions options) =>
        parse.CommandResult.Command == hook
        && parse.Errors.Count == 0
        && parse.Action is not System.CommandLine.Help.HelpAction
        && !parse.GetValue(options.NoPool)
        && parse.GetValue(CliCommands.LogFormat) != "json";

    /// <summary>What the service runs: <c>run</c> with a command; help, --verbose and JSON logs stay in the caller's process.</summary>
    private static bool Serves(ParseResult parse, Command run, RunOptions options) =>
        parse.CommandResult.Command == run
        && parse.Action is not System.CommandLine.Help.HelpAction
        && !parse.GetValue(options.Verbose)
        && !parse.GetValue(options.NoPool)
        && parse.GetValue(CliCommands.LogFormat) != "json";

    private async Task ReadClientAsync(RemoteInputStream input, RemoteSignals signals, CancellationTokenSource gone)
    {
        try
        {
            while (await ServiceFrames.ReadAsync(socket, gone.Token).ConfigureAwait(false) is var (type, payload))
            {
                switch (type)
                {
                    case ServiceFrames.StdinData:
                        input.Deliver(payload);
                        break;
                    case ServiceFrames.Signal when payload.Length == 4:
                        signals.Deliver(ServiceFrames.ReadInt(payload));
                        break;
                    case ServiceFrames.Resize when payload.Length == 8:
                        signals.Resize(new TerminalSize(ServiceFrames.ReadInt(payload), ServiceFrames.ReadInt(payload[4..])));
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            // The end of the client, one way or another.
        }

        input.End();
        await gone.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>The client's forwarded signals, handed to the run's target once it listens.</summary>
    private sealed class RemoteSignals
    {
        private readonly Lock _gate = new();
        private RunSignalTarget? _target;
        private int? _early;

        public IRunSignals Listen(RunSignalTarget target, bool resizeTerminal)
        {
            int? early;
            lock (_gate)
            {
                _target = target;
                early = _early;
            }

            // A signal that came while the request was being made cancels it, as it would in the client's own process.
            if (early is { } number)
            {
                target.Signal(number);
            }

            return new Registration(this, target);
        }

        public void Deliver(int number)
        {
            RunSignalTarget? target;
            lock (_gate)
            {
                target = _target;
                _early ??= target is null ? number : null;
            }

            target?.Signal(number);
        }

        public void Resize(TerminalSize size) => _target?.Resize(size);

        private sealed class Registration(RemoteSignals owner, RunSignalTarget target) : IRunSignals
        {
            public int? Received => target.Received;

            public void Dispose()
            {
                lock (owner._gate)
                {
                    owner._target = null;
                }
            }
        }
    }

    private sealed class NoRawMode : IDisposable
    {
        public static readonly NoRawMode Instance = new();

        public void Dispose()
        {
        }
    }
}
