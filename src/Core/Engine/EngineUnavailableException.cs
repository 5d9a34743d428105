namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// No container engine answers at the endpoint (GBX1001): the one failure of connecting after which
/// a policy's <c>fallback: shell</c> may run the command on the host (<see cref="HostEngine"/>).
/// </summary>
internal sealed class EngineUnavailableException(Diagnostic diagnostic, Exception? inner) : GadugiException(diagnostic, inner);
