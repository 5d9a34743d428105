using System.Reflection;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

/// <summary>ContainerExec.Settings() carries every parameter that decides what runs into ContainerExecSettings.</summary>
[TestClass]
public sealed class ContainerExecSettingsTests
{
    /// <summary>Parameters that shape logging, exit handling or where the run is recorded, not the request.</summary>
    private static readonly string[] NotInSettings =
    [
        nameof(ContainerExec.IgnoreExitCode), nameof(ContainerExec.IgnoreStandardErrorWarningFormat), nameof(ContainerExec.ConsoleToMSBuild),
        nameof(ContainerExec.StandardOutputImportance), nameof(ContainerExec.StandardErrorImportance), nameof(ContainerExec.EchoOff),
        nameof(ContainerExec.AuditLog), nameof(ContainerExec.EngineEndpoint),
    ];

    private static PropertyInfo[] Parameters() =>
        typeof(ContainerExec).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(p => p is { CanRead: true, CanWrite: true } && !p.IsDefined(typeof(OutputAttribute)))
            .ToArray();

    [TestMethod]
    public void Every_string_parameter_is_mapped_to_the_same_named_setting()
    {
        var task = new ContainerExec();
        var settingsProperties = typeof(ContainerExecSettings).GetProperties().Where(p => p.PropertyType == typeof(string)).ToArray();
        foreach (var property in settingsProperties)
        {
            typeof(ContainerExec).GetProperty(property.Name)!.SetValue(task, "value-of-" + property.Name);
        }

        var settings = task.Settings();

        Assert.IsGreaterThanOrEqualTo(10, settingsProperties.Length);
        foreach (var property in settingsProperties)
        {
            Assert.AreEqual("value-of-" + property.Name, property.GetValue(settings), property.Name);
        }
    }

    [TestMethod]
    public void Arguments_become_item_specs_and_environment_entries_pass_as_given()
    {
        var task = new ContainerExec
        {
            Arguments = [new TaskItem("dotnet"), new TaskItem("test"), new TaskItem("a b")],
            EnvironmentVariables = ["A=1", "B=two words"],
        };

        var settings = task.Settings();

        CollectionAssert.AreEqual(new[] { "dotnet", "test", "a b" }, settings.Arguments!.ToArray());
        CollectionAssert.AreEqual(new[] { "A=1", "B=two words" }, settings.EnvironmentVariables!.ToArray());
        Assert.IsNull(new ContainerExec().Settings().Arguments, "no Arguments stays null (Command is used)");
    }

    [TestMethod]
    public void Every_parameter_is_either_a_setting_or_known_to_be_outside_the_request()
    {
        var settings = typeof(ContainerExecSettings).GetProperties().Select(p => p.Name).ToHashSet();

        var unaccounted = Parameters().Select(p => p.Name).Where(name => !settings.Contains(name) && !NotInSettings.Contains(name)).ToArray();
        var stale = settings.Where(name => typeof(ContainerExec).GetProperty(name) is null).ToArray();

        Assert.IsEmpty(unaccounted, "new ContainerExec parameters must reach ContainerExecSettings or be listed here: " + string.Join(", ", unaccounted));
        Assert.IsEmpty(stale, "settings without a task parameter: " + string.Join(", ", stale));
    }
}
