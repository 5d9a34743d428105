using System.IO.Compression;
using System.Text;
using Gadugi.BuildExec.Images;
using K4os.Compression.LZ4.Streams;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class PackageFreshnessTests
{
    private static readonly string[] Sources =
    [
        "deb http://deb.debian.org/debian bookworm main",
        "deb http://deb.debian.org/debian-security bookworm-security main",
    ];

    // Pairs from deb-version(7) and dpkg's own test suite: older first.
    [TestMethod]
    [DataRow("1.0", "1.1")]
    [DataRow("1.0~rc1", "1.0")]
    [DataRow("1.0~~", "1.0~")]
    [DataRow("1.0", "1.0-1")]
    [DataRow("1.0-1", "1.0-1+deb12u1")]
    [DataRow("2.36-9+deb12u9", "2.36-9+deb12u10")]
    [DataRow("9.9", "1:0.1")]
    [DataRow("1.0a", "1.0+")]
    [DataRow("1.9", "1.10")]
    [DataRow("5.2.15-2+b2", "5.2.15-2+b13")]
    [DataRow("1.2.3-1~bpo12+1", "1.2.3-1")]
    public void Debian_versions_order_as_dpkg_orders_them(string older, string newer)
    {
        Assert.IsLessThan(0, DebianVersion.Compare(older, newer), $"{older} < {newer}");
        Assert.IsGreaterThan(0, DebianVersion.Compare(newer, older), $"{newer} > {older}");
        Assert.AreEqual(0, DebianVersion.Compare(newer, newer));
    }

    [TestMethod]
    public void Equal_versions_with_leading_zeros_compare_equal()
    {
        Assert.AreEqual(0, DebianVersion.Compare("1.01", "1.1"));
        Assert.AreEqual(0, DebianVersion.Compare("0:1.1", "1.1"));
    }

    [TestMethod]
    public void A_manifest_survives_the_label_round_trip_with_its_digest()
    {
        var manifest = PackageManifest.Parse("bsdutils\t1:2.38.1-5+deb12u3\tamd64\nbash\t5.2.15-2+b13\tamd64\n\ndebconf\t1.5.82\tall\n");

        var again = PackageManifest.FromLabels(new Dictionary<string, string> { [ImageLabels.Packages] = manifest.LabelValue });

        Assert.IsNotNull(again);
        Assert.AreEqual("bash", manifest.Packages[0].Name, "sorted by name");
        Assert.AreEqual(manifest.Text, again.Text);
        Assert.AreEqual(manifest.Digest, again.Digest);
        Assert.AreEqual("1:2.38.1-5+deb12u3", again.Packages.Single(package => package.Name == "bsdutils").Version);
        Assert.AreEqual(64, manifest.Digest.Length);
        Assert.IsNull(PackageManifest.FromLabels(new Dictionary<string, string>()), "an image built before manifests has none");
        Assert.ThrowsExactly<FormatException>(() => PackageManifest.Parse("bash 5.2"));
    }

    [TestMethod]
    public void List_file_names_follow_apts_naming()
    {
        CollectionAssert.AreEqual(
            new[] { "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", "deb.debian.org_debian_dists_bookworm_contrib_binary-amd64_Packages" },
            PackageIndex.ListPrefixes("deb [signed-by=/k.gpg arch=amd64] http://user:pw@deb.debian.org/debian/ bookworm main contrib", "amd64").ToArray());
        Assert.AreEqual(0, PackageIndex.ListPrefixes("deb-src http://deb.debian.org/debian bookworm main", "amd64").Count());
    }

    [TestMethod]
    public async Task Newer_versions_in_lz4_gz_or_plain_lists_are_reported_and_missing_lists_make_it_unknown()
    {
        var lists = Directory.CreateTempSubdirectory("gadugi-test-lists-").FullName;
        try
        {
            WriteLz4(Path.Combine(lists, "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"), Stanzas(("bash", "5.2.15-2+b2"), ("libc6", "2.36-9+deb12u9"), ("coreutils", "9.1-1")));
            var security = Path.Combine(lists, "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages");
            WriteGzip(security + ".gz", Stanzas(("libc6", "2.36-9+deb12u10")));
            var manifest = PackageManifest.Parse("bash\t5.2.15-2+b2\tamd64\nlibc6\t2.36-9+deb12u9\tamd64\nonly-here\t1.0\tamd64\n");

            var (index, missing) = await PackageIndex.LoadAsync(lists, Sources, "amd64", CancellationToken.None);
            Assert.IsNotNull(index, missing);
            var freshness = PackageFreshness.Compare(manifest, index);

            Assert.AreEqual(PackageFreshnessState.NewerAvailable, freshness.State);
            Assert.AreEqual(new PackageUpdate("libc6", "2.36-9+deb12u9", "2.36-9+deb12u10"), freshness.Updates.Single());
            Assert.AreEqual("1 newer (libc6)", freshness.Summary);

            File.Delete(security + ".gz");
            File.WriteAllText(security, Stanzas(("libc6", "2.36-9+deb12u9")));
            var (plain, _) = await PackageIndex.LoadAsync(lists, Sources, "amd64", CancellationToken.None);
            Assert.AreEqual(PackageFreshnessState.UpToDate, PackageFreshness.Compare(manifest, plain!).State);

            File.Delete(security);
            var (partial, why) = await PackageIndex.LoadAsync(lists, Sources, "amd64", CancellationToken.None);
            Assert.IsNull(partial, "a partial index would miss security updates");
            StringAssert.Contains(why, "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages");
        }
        finally
        {
            Directory.Delete(lists, recursive: true);
        }
    }

    private static string Stanzas(params (string Name, string Version)[] packages) =>
        string.Concat(packages.Select(package => $"Package: {package.Name}\nArchitecture: amd64\nVersion: {package.Version}\nDescription: x\n continued\n\n"));

    private static void WriteLz4(string path, string text)
    {
        using var file = File.Create(path);
        using var lz4 = LZ4Stream.Encode(file);
        lz4.Write(Encoding.UTF8.GetBytes(text));
    }

    private static void WriteGzip(string path, string text)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(text));
    }
}
