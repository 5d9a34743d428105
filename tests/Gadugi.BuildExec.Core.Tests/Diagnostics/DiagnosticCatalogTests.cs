using System.Text.RegularExpressions;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Tests.Diagnostics;

/// <summary>
/// Every resource file of the product (Core's, the image builder's, the MSBuild tasks', the Action's) and
/// the one documentation page: every code unique across them, documented, and every documented code real.
/// </summary>
[TestClass]
public sealed partial class DiagnosticCatalogTests
{
    [GeneratedRegex(@"^## (GBX\d{4}) — ", RegexOptions.Multiline)]
    private static partial Regex DocumentedCode();

    /// <summary>(resource file, resource name) → code, over every .resx under src/.</summary>
    private static Dictionary<string, string> CodesByResource() =>
        ResourceFiles().SelectMany(file => System.Xml.Linq.XDocument.Load(file).Root!.Elements("data").Select(data =>
                (Key: Path.GetFileName(file) + ":" + (string)data.Attribute("name")!, Code: Diagnostic.SplitCode((string)data.Element("value")!).Code)))
            .ToDictionary(entry => entry.Key, entry => entry.Code);

    private static string[] ResourceFiles()
    {
        var files = Directory.GetFiles(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(DocumentationPath()))!, "src"), "*.resx", SearchOption.AllDirectories);
        Assert.IsGreaterThanOrEqualTo(4, files.Length, "Core's, the image builder's, the tasks' and the Action's resource files");
        return files;
    }

    private static string DocumentationPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "docs", "diagnostics.md")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new AssertFailedException("docs/diagnostics.md not found above the test output"), "docs", "diagnostics.md");
    }

    [TestMethod]
    public void Every_message_starts_with_a_well_formed_code_and_its_comment_says_so()
    {
        foreach (var data in ResourceFiles().SelectMany(file => System.Xml.Linq.XDocument.Load(file).Root!.Elements("data")))
        {
            var name = (string)data.Attribute("name")!;
            var value = (string)data.Element("value")!;
            StringAssert.Matches(value, new Regex(@"^GBX\d{4}: \S"), $"resource {name}");
            Assert.AreEqual($"{{StrBegin=\"{Diagnostic.SplitCode(value).Code}: \"}}", (string?)data.Element("comment"), $"resource {name}");
        }
    }

    [TestMethod]
    public void No_code_is_used_twice()
    {
        var duplicates = CodesByResource().GroupBy(pair => pair.Value).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(pair => pair.Key))}").ToArray();

        Assert.IsEmpty(duplicates, string.Join("; ", duplicates));
    }

    [TestMethod]
    public void Every_code_is_documented_and_every_documented_code_exists()
    {
        var documented = DocumentedCode().Matches(File.ReadAllText(DocumentationPath())).Select(match => match.Groups[1].Value).ToArray();
        var defined = CodesByResource().Values.ToHashSet();

        CollectionAssert.AreEquivalent(defined.Order().ToArray(), documented.Distinct().Order().ToArray(), "docs/diagnostics.md and the resource files disagree");
        Assert.HasCount(documented.Distinct().Count(), documented, "a code is documented twice");
    }

    [TestMethod]
    public void The_strongly_typed_accessors_reach_the_same_resources() =>
        Assert.AreEqual(Diagnostic.All()[nameof(DiagnosticMessages.EngineUnavailable)], DiagnosticMessages.EngineUnavailable);
}
