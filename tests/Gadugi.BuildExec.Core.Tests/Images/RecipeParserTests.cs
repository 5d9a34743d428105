using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Images;

namespace Gadugi.BuildExec.Core.Tests.Images;

[TestClass]
public sealed class RecipeParserTests
{
    [TestMethod]
    public void A_full_recipe_is_read_field_by_field()
    {
        var recipe = RecipeTrees.Catalog(RecipeTrees.Tree()).Get("sdk");

        Assert.AreEqual("sdk", recipe.Name);
        Assert.AreEqual("gadugi/sdk", recipe.Repository);
        Assert.AreEqual("10.0.401", recipe.Tag);
        Assert.AreEqual("gadugi/sdk:10.0.401", recipe.Reference);
        Assert.AreEqual("bookworm", recipe.Suite);
        CollectionAssert.AreEqual(new[] { "libicu72" }, recipe.Packages.ToArray());
        CollectionAssert.AreEqual(new[] { "copy.sh" }, recipe.Hooks.ToArray());
        CollectionAssert.AreEqual(new[] { "PATH", "DOTNET_NOLOGO" }, recipe.Environment.Select(pair => pair.Key).ToArray());
        CollectionAssert.AreEqual(new[] { "dotnet", "--list-sdks" }, recipe.SmokeTest.Command.ToArray());
        Assert.AreEqual(@"^10\.0\.401 ", recipe.SmokeTest.ExpectedOutput, "input values are regex-escaped inside 'expect'");
        Assert.AreEqual("/opt/dotnet", recipe.HookEnvironment["GADUGI_DOTNET_ROOT"]);
    }

    [TestMethod]
    public void Optional_fields_default_to_empty()
    {
        var recipe = RecipeTrees.Catalog(RecipeTrees.Tree()).Get("shell");

        Assert.IsEmpty(recipe.Hooks);
        Assert.IsEmpty(recipe.Inputs);
        Assert.IsEmpty(recipe.Environment);
        CollectionAssert.AreEqual(new[] { "bash" }, recipe.Command.ToArray());
    }

    [TestMethod]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: [bash]}\ncolour: blue\n", 7, 1, "unknown key 'colour'")]
    [DataRow("repository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: [bash]}\n", 1, 1, "'name' is missing")]
    [DataRow("name: other\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: [bash]}\n", 1, 7, "must equal the recipe's folder name 'shell'")]
    [DataRow("name: shell\nrepository: Gadugi/Shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: [bash]}\n", 2, 13, "'repository' must be an image repository")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"a b\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: [bash]}\n", 3, 6, "not a valid image tag")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages:\n  - bash\n  - Bad_Name\nsmokeTest: {command: [bash]}\n", 7, 5, "'Bad_Name' in 'packages' is not a Debian package name")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages:\n  - bash\n  - bash\nsmokeTest: {command: [bash]}\n", 7, 5, "the package 'bash' is listed twice")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: bash\nsmokeTest: {command: [bash]}\n", 5, 11, "'packages' must be a list")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: []\nsmokeTest: {command: [bash]}\n", 5, 11, "at least one Debian package")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nhooks: [missing.sh]\nsmokeTest: {command: [bash]}\n", 6, 9, "the hook 'missing.sh' is not a file")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"{sdk}\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: [bash]}\n", 3, 6, "'{sdk}' names no input declared")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\n", 1, 1, "'smokeTest' is missing")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: []}\n", 6, 22, "'smokeTest.command' must list the program")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nsmokeTest: {command: [bash], expect: \"(\"}\n", 6, 38, "not a valid regular expression")]
    [DataRow("name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\npackages: [bash]\nenv: {1BAD: x}\nsmokeTest: {command: [bash]}\n", 6, 7, "'1BAD' is not a valid environment variable name")]
    [DataRow("name: shell\nrepository: [gadugi]\n", 2, 13, "'repository' must be a single value")]
    [DataRow("name: shell\n  repository: x\n", 2, 13, "found invalid mapping")]
    [DataRow("name: shell\nname: shell\n", 2, 1, "Duplicate key")]
    [DataRow("- just\n- a list\n", 1, 1, "must be a mapping")]
    public void A_bad_recipe_is_rejected_with_its_file_line_and_column(string yaml, int line, int column, string problem)
    {
        var files = RecipeTrees.Common();
        files.Add(RecipeTrees.File("shell/recipe.yaml", yaml));

        var error = Assert.ThrowsExactly<GadugiException>(() => RecipeTrees.Catalog(files));

        Assert.AreEqual("GBX1102", error.Code);
        StringAssert.Contains(error.Message, "test recipes: shell/recipe.yaml");
        StringAssert.Contains(error.Message, $"at line {line}, column {column}:");
        StringAssert.Contains(error.Message, problem);
    }

    [TestMethod]
    public void An_input_no_provider_knows_is_rejected_with_the_known_ones()
    {
        var files = RecipeTrees.Common();
        files.Add(RecipeTrees.File("shell/recipe.yaml", "name: shell\nrepository: gadugi/shell\ntag: \"1\"\nsuite: bookworm\ninputs: [jdk]\npackages: [bash]\nsmokeTest: {command: [bash]}\n"));

        var error = Assert.ThrowsExactly<GadugiException>(() => RecipeTrees.Catalog(files));

        Assert.AreEqual("GBX1104", error.Code);
        StringAssert.Contains(error.Message, "'jdk' at line 5, column 10");
        StringAssert.Contains(error.Message, "dotnet-sdk");
    }
}
