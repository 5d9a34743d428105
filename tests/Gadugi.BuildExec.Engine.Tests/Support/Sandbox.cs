using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>The engine tests' harness: the built-in policies with a test-sized timeout.</summary>
internal sealed class Sandbox(int maxConcurrency = 10) : SandboxHarness("gadugi-engine-test", new ExecutorOptions { MaxConcurrency = maxConcurrency })
{
    public static SandboxPolicy Shell => PolicyDefaults.BuiltIn["shell"] with { Timeout = TimeSpan.FromMinutes(2) };

    public static SandboxPolicy Python => PolicyDefaults.BuiltIn["python"] with { Timeout = TimeSpan.FromMinutes(2) };

    public Task<ExecutionResult> RunAsync(SandboxPolicy policy, params string[] command) =>
        RunAsync(new ExecutionRequest { Command = command, Policy = policy, WorkingDirectory = Workspace });

    public Task<ExecutionResult> BashAsync(SandboxPolicy policy, string script) => RunAsync(policy, "bash", "-c", script);
}
