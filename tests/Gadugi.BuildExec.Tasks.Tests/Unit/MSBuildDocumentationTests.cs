using System.Reflection;
using Gadugi.BuildExec.Tasks.Tests.Support;
using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

/// <summary>The README's MSBuild section carries docs/msbuild.md's ContainerExec tables, and they name every parameter.</summary>
[TestClass]
public sealed class MSBuildDocumentationTests
{
    private static string Table(string markdown, string header)
    {
        var start = markdown.IndexOf(header, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, "no table starting with " + header);
        var end = markdown.IndexOf("\n\n", start, StringComparison.Ordinal);
        return markdown[start..(end < 0 ? markdown.Length : end)];
    }

    private static string Docs => File.ReadAllText(Path.Combine(Repo.Root, "docs", "msbuild.md"));

    private static string Readme => File.ReadAllText(Path.Combine(Repo.Root, "README.md"));

    [TestMethod]
    [DataRow("| Parameter | Type | Default | Meaning |")]
    [DataRow("| Output | Type | Meaning |")]
    public void The_README_table_is_the_docs_table(string header) =>
        Assert.AreEqual(Table(Docs, header), Table(Readme, header));

    [TestMethod]
    public void Every_ContainerExec_parameter_and_output_is_in_the_tables()
    {
        var properties = typeof(ContainerExec).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(p => p is { CanRead: true, CanWrite: true })
            .ToArray();
        var parameters = Table(Docs, "| Parameter | Type | Default | Meaning |");
        var outputs = Table(Docs, "| Output | Type | Meaning |");

        Assert.IsGreaterThanOrEqualTo(20, properties.Length);
        var missing = properties
            .Where(p => !(p.IsDefined(typeof(OutputAttribute)) ? outputs : parameters).Contains("`" + p.Name + "`", StringComparison.Ordinal))
            .Select(p => p.Name)
            .ToArray();
        Assert.IsEmpty(missing, "not documented in docs/msbuild.md: " + string.Join(", ", missing));
    }
}
