using System.Text.RegularExpressions;
using System.Xml.Linq;
using Gadugi.BuildExec.Tasks.Tests.Support;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

/// <summary>
/// The targets' &lt;Error Code=…&gt; texts are the resource texts, and the tasks keep to their range.
/// Uniqueness and documentation of all codes are checked once, in Core.Tests' DiagnosticCatalogTests.
/// </summary>
[TestClass]
public sealed partial class DiagnosticsCatalogTests
{
    [GeneratedRegex(@"^(?<code>GBX\d{4}): ", RegexOptions.CultureInvariant)]
    private static partial Regex CodePrefix();

    [GeneratedRegex(@"\{\d+\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"[$@%]\([^)]*\)", RegexOptions.CultureInvariant)]
    private static partial Regex MSBuildReference();

    private static (string Name, string Code, string Text, string? Comment)[] Entries() =>
        XDocument.Load(Repo.Resx).Root!.Elements("data").Select(data =>
        {
            var value = (string)data.Element("value")!;
            var match = CodePrefix().Match(value);
            return ((string)data.Attribute("name")!, match.Success ? match.Groups["code"].Value : string.Empty, value, (string?)data.Element("comment"));
        }).ToArray();

    [TestMethod]
    public void Targets_errors_use_codes_and_texts_from_the_resource_file()
    {
        var entries = Entries().ToDictionary(e => e.Code);
        var checkedCount = 0;
        foreach (var file in Directory.EnumerateFiles(Repo.BuildDirectory, "*.targets", SearchOption.AllDirectories))
        {
            foreach (var element in XDocument.Load(file).Descendants().Where(e => e.Name.LocalName is "Error" or "Warning"))
            {
                var code = (string?)element.Attribute("Code");
                Assert.IsNotNull(code, $"{Path.GetFileName(file)}: <{element.Name.LocalName}> without a Code");
                Assert.IsTrue(entries.TryGetValue(code, out var entry), $"{Path.GetFileName(file)}: code {code} is not in TaskMessages.resx");

                // The resource text with {n} as wildcards must match the target's text with $(…) references as wildcards.
                var template = "^" + Placeholder().Replace(Regex.Escape(entry.Text[(code.Length + 2)..]).Replace(@"\{", "{", StringComparison.Ordinal), ".+") + "$";
                var text = MSBuildReference().Replace((string?)element.Attribute("Text") ?? string.Empty, "X");
                Assert.IsTrue(Regex.IsMatch(text, template), $"{Path.GetFileName(file)}: the text of {code} differs from the resource '{entry.Name}'");
                checkedCount++;
            }
        }

        Assert.IsGreaterThanOrEqualTo(1, checkedCount, "the targets raise at least GBX4016");
    }

    [TestMethod]
    public void The_tasks_range_is_40xx()
    {
        var tasksSources = Directory.EnumerateFiles(Path.Combine(Repo.Root, "src", "Tasks"), "*.cs");
        var used = tasksSources.SelectMany(file => Regex.Matches(File.ReadAllText(file), @"nameof\(TaskMessages\.(\w+)\)").Select(m => m.Groups[1].Value)).ToHashSet();
        var entries = Entries().ToDictionary(e => e.Name);

        var outside = used.Where(name => name != "Unexpected" && !entries[name].Code.StartsWith("GBX40", StringComparison.Ordinal)).ToArray();

        Assert.IsEmpty(outside, "the tasks raise their own diagnostics in 40xx: " + string.Join(", ", outside));
        var foreign = Entries().Where(e => !e.Code.StartsWith("GBX40", StringComparison.Ordinal)).Select(e => e.Name).ToArray();
        Assert.IsEmpty(foreign, "TaskMessages.resx holds the 40xx codes only: " + string.Join(", ", foreign));
    }

    [TestMethod]
    public void Every_task_code_links_to_its_own_section_of_the_diagnostics_document()
    {
        var headings = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "diagnostics.md"))
            .Where(line => line.StartsWith("## GBX", StringComparison.Ordinal))
            .ToDictionary(line => line[3..10], line => line[3..]);

        foreach (var (_, code, _, _) in Entries())
        {
            var link = HelpLinks.For(code);
            StringAssert.StartsWith(link, HelpLinks.Document + "#", code);
            Assert.AreEqual(HelpLinks.Slug(headings[code]), link[(HelpLinks.Document.Length + 1)..], code);
        }

        Assert.AreEqual("gbx4001--sandboxed-command-failed", HelpLinks.For("GBX4001")[(HelpLinks.Document.Length + 1)..], "GitHub's anchor of '## GBX4001 — Sandboxed command failed'");
        Assert.AreEqual(HelpLinks.Document, HelpLinks.For("GBX0000"), "an unknown code links to the document");
    }

    [TestMethod]
    public void The_targets_errors_link_to_their_sections()
    {
        foreach (var file in Directory.EnumerateFiles(Repo.BuildDirectory, "*.targets", SearchOption.AllDirectories))
        {
            foreach (var element in XDocument.Load(file).Descendants().Where(e => e.Name.LocalName is "Error" or "Warning"))
            {
                var code = (string)element.Attribute("Code")!;
                if (code == "GBX4016")
                {
                    continue; // raised on MSBuild for .NET Framework, whose older Error task may not know HelpLink
                }

                Assert.AreEqual(HelpLinks.For(code), ((string?)element.Attribute("HelpLink"))?.Replace("$(_GadugiDiagnostics)", HelpLinks.Document, StringComparison.Ordinal), $"{Path.GetFileName(file)}: {code}");
            }
        }
    }
}
