using System.Text.RegularExpressions;
using System.Xml.Linq;
using Gadugi.BuildExec.Tasks.Tests.Support;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

/// <summary>
/// The one set of diagnostics: every code in DiagnosticMessages.resx is unique, carries its StrBegin
/// comment, and has a section in docs/diagnostics.md (and every section a code); the targets'
/// &lt;Error Code=…&gt; texts are the resource texts.
/// </summary>
[TestClass]
public sealed partial class DiagnosticsCatalogTests
{
    [GeneratedRegex(@"^(?<code>GBX\d{4}): ", RegexOptions.CultureInvariant)]
    private static partial Regex CodePrefix();

    [GeneratedRegex(@"^## (?<code>GBX\d{4}) — \S.*$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex DocHeading();

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
    public void Every_message_starts_with_its_code_and_says_so_in_its_comment()
    {
        var bad = Entries().Where(e => e.Code.Length == 0 || e.Comment != $"{{StrBegin=\"{e.Code}: \"}}").Select(e => e.Name).ToArray();

        Assert.IsEmpty(bad, "entries without 'GBXnnnn: ' and a matching {StrBegin} comment: " + string.Join(", ", bad));
    }

    [TestMethod]
    public void No_code_is_used_twice()
    {
        var duplicates = Entries().GroupBy(e => e.Code).Where(g => g.Count() > 1).Select(g => $"{g.Key} ({string.Join(", ", g.Select(e => e.Name))})").ToArray();

        Assert.IsEmpty(duplicates, "duplicate codes: " + string.Join("; ", duplicates));
    }

    [TestMethod]
    public void Every_code_is_documented_and_every_documented_code_exists()
    {
        var codes = Entries().Select(e => e.Code).ToHashSet();
        var headings = DocHeading().Matches(File.ReadAllText(Repo.DiagnosticsDoc)).Select(m => m.Groups["code"].Value).ToArray();

        var undocumented = codes.Except(headings).Order().ToArray();
        var unknown = headings.Except(codes).Order().ToArray();
        var twice = headings.GroupBy(h => h).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();

        Assert.IsEmpty(undocumented, "codes without a '## GBXnnnn — title' section in docs/diagnostics.md: " + string.Join(", ", undocumented));
        Assert.IsEmpty(unknown, "sections in docs/diagnostics.md for codes the resx does not define: " + string.Join(", ", unknown));
        Assert.IsEmpty(twice, "codes documented twice: " + string.Join(", ", twice));
    }

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
                Assert.IsTrue(entries.TryGetValue(code, out var entry), $"{Path.GetFileName(file)}: code {code} is not in DiagnosticMessages.resx");

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
        var used = tasksSources.SelectMany(file => Regex.Matches(File.ReadAllText(file), @"nameof\(DiagnosticMessages\.(\w+)\)").Select(m => m.Groups[1].Value)).ToHashSet();
        var entries = Entries().ToDictionary(e => e.Name);

        var outside = used.Where(name => name != "Unexpected" && !entries[name].Code.StartsWith("GBX40", StringComparison.Ordinal)).ToArray();

        Assert.IsEmpty(outside, "the tasks raise their own diagnostics in 40xx: " + string.Join(", ", outside));
    }
}
