using System.Reflection;
using Gadugi.BuildExec.Tasks.Tests.Support;
using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

[TestClass]
public sealed class TaskLoadContextTests
{
    [TestMethod]
    public void Dependencies_load_privately_from_the_task_directory()
    {
        var context = TaskLoadContext.For(Repo.TasksAssembly);
        var hostYaml = typeof(YamlDotNet.RepresentationModel.YamlStream).Assembly;

        var privateYaml = context.LoadFromAssemblyName(new AssemblyName("YamlDotNet"));
        var privateCore = context.LoadFromAssemblyName(new AssemblyName("Gadugi.BuildExec.Core"));

        Assert.AreNotSame(hostYaml, privateYaml, "YamlDotNet must not be shared with the host's context");
        Assert.AreSame(context, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(privateYaml));
        Assert.AreEqual(Path.GetDirectoryName(Repo.TasksAssembly), Path.GetDirectoryName(privateYaml.Location));
        Assert.AreSame(context, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(privateCore));
    }

    [TestMethod]
    public void MSBuild_assemblies_are_the_hosts()
    {
        var context = TaskLoadContext.For(Repo.TasksAssembly);

        var framework = context.LoadFromAssemblyName(typeof(ITask).Assembly.GetName());
        var utilities = context.LoadFromAssemblyName(typeof(Microsoft.Build.Utilities.Task).Assembly.GetName());

        Assert.AreSame(typeof(ITask).Assembly, framework);
        Assert.AreSame(typeof(Microsoft.Build.Utilities.Task).Assembly, utilities);
        Assert.IsTrue(TaskLoadContext.IsShared(new AssemblyName("Microsoft.Build.Tasks.Core")));
        Assert.IsFalse(TaskLoadContext.IsShared(new AssemblyName("Microsoft.Extensions.Logging.Abstractions")));
    }

    [TestMethod]
    public void One_context_per_task_directory()
    {
        Assert.AreSame(TaskLoadContext.For(Repo.TasksAssembly), TaskLoadContext.For(Repo.TasksAssembly));
        Assert.IsTrue(TaskLoadContext.Owns(TaskLoadContext.For(Repo.TasksAssembly).LoadFromAssemblyPath(Repo.TasksAssembly)));
        Assert.IsFalse(TaskLoadContext.Owns(typeof(ContainerExec).Assembly), "the tests' own copy is in the default context");
    }
}
