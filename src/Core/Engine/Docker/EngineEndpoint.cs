using System.Text.Json;
using Docker.DotNet;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// Finds the engine the way the docker CLI does (Docker.DotNet's <see cref="DockerConfig"/> implements
/// the order): DOCKER_HOST; else the context named by DOCKER_CONTEXT; else the current context in the
/// docker config (DOCKER_CONFIG, or ~/.docker); else the local socket. Rootless Docker and Docker
/// Desktop users, whose engine is not at /var/run/docker.sock, are found through their context.
/// </summary>
internal static class EngineEndpoint
{
    /// <summary>The endpoint the settings (by default: this process's environment) name; GBX1005 when they cannot be followed.</summary>
    public static Uri Resolve(IDockerCliSettings? settings = null)
    {
        var config = settings is null ? new DockerConfig() : new DockerConfig(settings);
        try
        {
            return config.GetEndpoint();
        }
        catch (Exception ex) when (ex is DockerConfigurationException or JsonException or IOException or UnauthorizedAccessException or UriFormatException or ArgumentException)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineEndpointUnresolved), ex.Message.TrimEnd('.'), config.FullName), ex);
        }
    }

    /// <summary>Where <see cref="Resolve"/> took the endpoint from, for people (doctor).</summary>
    public static string DescribeSource(IDockerCliSettings? settings = null)
    {
        settings ??= DockerCliSettings.FromEnvironment();
        if (!string.IsNullOrEmpty(settings.DockerHost))
        {
            return "DOCKER_HOST";
        }

        if (!string.IsNullOrEmpty(settings.DockerContext))
        {
            return $"context '{settings.DockerContext}' (DOCKER_CONTEXT)";
        }

        var config = new DockerConfig(settings);
        try
        {
            if (config.Exists)
            {
                using var document = config.Parse();
                if (document.RootElement.TryGetProperty("currentContext", out var current)
                    && current.ValueKind == JsonValueKind.String
                    && current.GetString() is { Length: > 0 } name
                    && name != "default")
                {
                    return $"context '{name}' (currentContext in {config.FullName})";
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return $"{config.FullName} (unreadable: {ex.Message.TrimEnd('.')})";
        }

        return "the default socket";
    }
}

/// <summary>The docker CLI's settings, as plain values (tests give their own instead of changing the process environment).</summary>
internal sealed record DockerCliSettings(string? DockerConfig, string? DockerHost, string? DockerContext, string? DockerTlsVerify = null) : IDockerCliSettings
{
    public static DockerCliSettings FromEnvironment() => new(
        Environment.GetEnvironmentVariable("DOCKER_CONFIG"),
        Environment.GetEnvironmentVariable("DOCKER_HOST"),
        Environment.GetEnvironmentVariable("DOCKER_CONTEXT"),
        Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY"));
}
