using System.Xml.Linq;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Tests.Images;

/// <summary>The image diagnostics (GBX1100–GBX1199) follow the resource conventions.</summary>
[TestClass]
public sealed class ImageDiagnosticsTests
{
    private static IEnumerable<XElement> ImageEntries()
    {
        var resx = Path.Combine(Path.GetDirectoryName(ImageRecipeCatalogTests.RepositoryImagesFolder())!, "src", "Images", "ImageMessages.resx");
        return XDocument.Load(resx).Root!.Elements("data")
            .Where(entry => entry.Element("value")!.Value.StartsWith("GBX11", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Each_image_diagnostic_starts_with_its_own_code_and_marks_it_for_localization()
    {
        var entries = ImageEntries().ToList();
        Assert.IsGreaterThanOrEqualTo(10, entries.Count);

        foreach (var entry in entries)
        {
            var value = entry.Element("value")!.Value;
            var (code, text) = Diagnostic.SplitCode(value);
            StringAssert.Matches(code, new System.Text.RegularExpressions.Regex("^GBX11[0-9]{2}$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)));
            Assert.AreEqual($"{{StrBegin=\"{code}: \"}}", entry.Element("comment")?.Value, code);
            Assert.EndsWith(".", text.TrimEnd(), $"{code} should end with the fix as a sentence");
        }
    }

    [TestMethod]
    public void Each_image_diagnostic_formats_with_its_arguments()
    {
        foreach (var name in ImageEntries().Select(entry => entry.Attribute("name")!.Value))
        {
            var diagnostic = Diagnostic.Create(Gadugi.BuildExec.Images.ImageMessages.ResourceManager, name, "a0", "a1", "a2", "a3", "a4", "a5");

            Assert.DoesNotContain("{", diagnostic.Text, name);
            StringAssert.StartsWith(diagnostic.Code, "GBX11");
        }
    }
}
