using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Testing;

namespace Gadugi.BuildExec.Core.Tests.Requests;

/// <summary>The one request factory and the one options builder every caller (CLI, MSBuild, Action) goes through.</summary>
[TestClass]
[DoNotParallelize]
public sealed class ExecutionRequestsTests
{
    private static readonly CallerConventions Strict = new()
    {
        Caller = "msbuild",
        ParameterName = name => name,
        InvalidParameter = (name, value, allowed) => new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.InvalidOverride), "P:" + name, value, allowed)),
        InvalidEnvironmentEntry = entry => new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.InvalidOverride), "E", entry, "NAME=VALUE")),
        TimeoutMayBeMilliseconds = true,
        SkipBlankEnvironmentEntries = true,
    };

    [TestMethod]
    public void A_request_has_the_policy_overrides_environment_paths_and_caller()
    {
        using var directory = new TempDirectory();
        var file = directory.WriteFile("p.yaml", "policies:\n  build:\n    image: gadugi/shell:5.2\n    memory: 1g\n    env: [CI]\n");

        var request = ExecutionRequests.Create(new RunSettings
        {
            Caller = Strict,
            Command = ["make"],
            Policy = " build ",
            PolicyFile = "p.yaml",
            BaseDirectory = directory.Path,
            WorkingDirectory = "src/",
            OutputDirectory = "out",
            Overrides = new PolicyOverrides { Timeout = "1500", Cpus = "0.5", Image = "other:1" },
            Environment = ["CI=true", "", " CI = 1"],
        });

        Assert.AreEqual("build", request.Policy.Name);
        Assert.AreEqual(1024L * 1024 * 1024, request.Policy.MemoryBytes, "from the file");
        Assert.AreEqual(TimeSpan.FromMilliseconds(1500), request.Policy.Timeout, "milliseconds, for this caller");
        Assert.AreEqual(0.5m, request.Policy.Cpus);
        Assert.AreEqual("other:1", request.Policy.Image);
        Assert.AreEqual(Path.Combine(directory.Path, "src"), request.WorkingDirectory);
        Assert.AreEqual(Path.Combine(directory.Path, "out"), request.OutputDirectory);
        Assert.AreEqual(" 1", request.Environment["CI"], "the last entry wins; the name is trimmed, the value kept");
        Assert.AreEqual("msbuild", request.Caller);
    }

    [TestMethod]
    public void Policies_the_caller_read_elsewhere_are_used_instead_of_any_policy_file()
    {
        using var directory = new TempDirectory();
        var checkout = directory.WriteFile("p.yaml", "policies:\n  build:\n    image: gadugi/shell:5.2\n    memory: 4g\n");
        var fromBase = PolicyFileLoader.LoadFile(directory.WriteFile("base.yaml", "policies:\n  build:\n    image: gadugi/shell:5.2\n    memory: 64m\n"));

        var request = ExecutionRequests.Create(new RunSettings { Caller = Strict, Command = ["make"], Policy = "build", PolicyFile = checkout, Policies = fromBase, BaseDirectory = directory.Path });

        Assert.AreEqual(64L * 1024 * 1024, request.Policy.MemoryBytes, "the given policies, not the file's");
    }

    [TestMethod]
    public void A_caller_that_does_not_honour_fallback_gets_policies_without_it()
    {
        using var directory = new TempDirectory();
        var policies = PolicyFileLoader.LoadFile(directory.WriteFile("p.yaml", "policies:\n  build:\n    image: gadugi/shell:5.2\n    fallback: shell\n"));
        var settings = new RunSettings { Caller = Strict, Command = ["make"], Policy = "build", Policies = policies, BaseDirectory = directory.Path };

        Assert.AreEqual(FallbackMode.Shell, ExecutionRequests.Create(settings).Policy.Fallback);
        Assert.AreEqual(FallbackMode.None, ExecutionRequests.Create(settings with { Caller = Strict with { HonoursFallback = false } }).Policy.Fallback);
    }

    [TestMethod]
    public void Allowing_the_home_directory_is_the_callers_choice_and_reaches_the_request()
    {
        using var directory = new TempDirectory();
        var settings = new RunSettings { Caller = CallerConventions.CommandLine, Command = ["true"], BaseDirectory = directory.Path };

        Assert.IsFalse(ExecutionRequests.Create(settings).AllowHomeDirectory);
        Assert.IsTrue(ExecutionRequests.Create(settings with { AllowHomeDirectory = true }).AllowHomeDirectory);
    }

    [TestMethod]
    public void Without_a_working_directory_the_base_directory_is_used_and_the_default_policy_applies()
    {
        using var directory = new TempDirectory();

        var request = ExecutionRequests.Create(new RunSettings { Caller = CallerConventions.CommandLine, Command = ["true"], BaseDirectory = directory.Path });

        Assert.AreEqual(directory.Path, request.WorkingDirectory);
        Assert.AreEqual(PolicyDefaults.DefaultPolicyName, request.Policy.Name);
        Assert.AreEqual("cli", request.Caller);
    }

    [TestMethod]
    public void Invalid_values_are_reported_in_the_callers_own_terms()
    {
        var timeout = Assert.ThrowsExactly<GadugiException>(() => Create(CallerConventions.CommandLine, new PolicyOverrides { Timeout = "1500" }));
        var memory = Assert.ThrowsExactly<GadugiException>(() => Create(Strict, new PolicyOverrides { Memory = "lots" }));
        var network = Assert.ThrowsExactly<GadugiException>(() => Create(Strict, new PolicyOverrides { Network = "host" }));

        StringAssert.Contains(timeout.Message, "--timeout '1500'", "the command line needs a unit");
        StringAssert.Contains(memory.Message, "P:Memory 'lots'");
        StringAssert.Contains(network.Message, "P:Network 'host'");
    }

    [TestMethod]
    public void A_name_alone_copies_the_callers_value_only_where_the_caller_allows_it()
    {
        Environment.SetEnvironmentVariable("GADUGI_FACTORY_TEST", "mine");
        try
        {
            var copied = ExecutionRequests.ParseEnvironment(["GADUGI_FACTORY_TEST"], CallerConventions.CommandLine);
            var refused = Assert.ThrowsExactly<GadugiException>(() => ExecutionRequests.ParseEnvironment(["GADUGI_FACTORY_TEST"], Strict));

            Assert.AreEqual("mine", copied["GADUGI_FACTORY_TEST"]);
            StringAssert.Contains(refused.Message, "E 'GADUGI_FACTORY_TEST'");
        }
        finally
        {
            Environment.SetEnvironmentVariable("GADUGI_FACTORY_TEST", null);
        }
    }

    [TestMethod]
    public void The_policy_file_variable_is_read_only_for_callers_that_say_so()
    {
        using var directory = new TempDirectory();
        var file = directory.WriteFile("env.yaml", "policies:\n  fromenv:\n    image: gadugi/shell:5.2\n");
        Environment.SetEnvironmentVariable(ExecutionRequests.PolicyFileVariable, file);
        try
        {
            var cli = ExecutionRequests.LoadPolicies(new RunSettings { Caller = CallerConventions.CommandLine, Command = [] });
            var strict = ExecutionRequests.LoadPolicies(new RunSettings { Caller = Strict, Command = [] });

            CollectionAssert.Contains(cli.Names.ToArray(), "fromenv");
            CollectionAssert.DoesNotContain(strict.Names.ToArray(), "fromenv");
        }
        finally
        {
            Environment.SetEnvironmentVariable(ExecutionRequests.PolicyFileVariable, null);
        }
    }

    [TestMethod]
    public void Every_callers_options_take_the_machine_wide_slots_and_the_machine_cap()
    {
        Environment.SetEnvironmentVariable(ExecutorOptionsBuilder.MaxConcurrencyVariable, "3");
        try
        {
            var options = ExecutorOptionsBuilder.Build("/tmp/audit.jsonl");

            Assert.AreEqual(3, options.MaxConcurrency);
            Assert.IsNotNull(options.MachineSlotsDirectory, "machine-wide, not per process");
            Assert.AreEqual("/tmp/audit.jsonl", options.AuditLogPath);
            Assert.AreEqual(5, ExecutorOptionsBuilder.Build(maxConcurrency: 5).MaxConcurrency, "an explicit cap wins");
        }
        finally
        {
            Environment.SetEnvironmentVariable(ExecutorOptionsBuilder.MaxConcurrencyVariable, null);
        }

        Assert.AreEqual(ExecutorOptionsBuilder.DefaultMaxConcurrency, ExecutorOptionsBuilder.Build().MaxConcurrency);
    }

    private static void Create(CallerConventions caller, PolicyOverrides overrides) =>
        ExecutionRequests.Create(new RunSettings { Caller = caller, Command = ["true"], Overrides = overrides });
}
