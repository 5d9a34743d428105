using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Testing;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// The unsandboxed fallback (no engine, <c>fallback: shell</c>) is the one path that starts the
/// command from the caller's own process, whose environment holds secrets (a CI job's tokens). Only
/// the pass-through variables and the allowlisted ones may reach it.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class HostFallbackSecretTests
{
    [TestMethod]
    public async Task A_secret_in_the_callers_environment_does_not_reach_a_command_run_by_the_host_fallback()
    {
        var secret = "ghs_" + Guid.NewGuid().ToString("N");
        string[] names = ["GITHUB_TOKEN", "INPUT_GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "AWS_SECRET_ACCESS_KEY"];
        foreach (var name in names)
        {
            Environment.SetEnvironmentVariable(name, secret);
        }

        try
        {
            await using var host = new SandboxHarness("gadugi-fallback-secret", new ExecutorOptions { Endpoint = new Uri("unix:///nonexistent/gadugi-fallback.sock") });
            var policy = PolicyDefaults.BuiltIn["shell"] with { Fallback = FallbackMode.Shell, EnvAllowlist = ["CI"], Timeout = TimeSpan.FromMinutes(1) };

            var result = await host.RunAsync(new ExecutionRequest
            {
                Command = ["sh", "-c", "env; cat /proc/self/environ | tr '\\0' '\\n'"],
                Policy = policy,
                WorkingDirectory = host.Workspace,
                Environment = new Dictionary<string, string> { ["CI"] = "true" },
            });

            Assert.IsFalse(result.Sandboxed, "the fallback ran");
            Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
            StringAssert.Contains(result.Stdout.Text, "CI=true", "the allowlisted variable arrives");
            Assert.DoesNotContain(secret, result.Stdout.Text + result.Stderr.Text, "a secret of the caller's environment reached the unsandboxed command");
            foreach (var name in names)
            {
                Assert.DoesNotContain(name + "=", result.Stdout.Text);
            }
        }
        finally
        {
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }
}
