namespace Gadugi.BuildExec.Core.Health;

public enum HealthStatus
{
    Pass,
    Warn,
    Fail,
}

/// <summary>One finding of <see cref="SandboxDoctor"/>.</summary>
public sealed record HealthCheck(string Name, HealthStatus Status, string Detail);
