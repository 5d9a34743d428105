using System.CommandLine;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Spectre.Console;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>gadugi-exec policy check FILE | policy show [NAME]: validate and display policies.</summary>
internal static class PolicyCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The YAML policy file to check." };
        var checkJson = CliJson.CreateOption("the verdict, the policies and every problem");
        var check = new Command("check", "Validate a policy file; every problem is reported with its file, line, column and field.") { file, checkJson };
        check.SetAction(parse =>
        {
            var asJson = parse.GetValue(checkJson);
            try
            {
                var set = PolicyFileLoader.LoadFile(parse.GetValue(file)!.FullName);
                if (asJson)
                {
                    CliJson.Write(new { File = set.File, Valid = true, Policies = set.FilePolicies.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(PolicyJson.From), Issues = Array.Empty<object>() });
                    return 0;
                }

                Console.WriteLine($"OK: {set.File}: {set.FilePolicies.Count} polic{(set.FilePolicies.Count == 1 ? "y" : "ies")} ({string.Join(", ", set.FilePolicies.Keys.Order(StringComparer.Ordinal))})");
                Render(set.FilePolicies.Values);
                return 0;
            }
            catch (PolicyFileException ex)
            {
                if (asJson)
                {
                    CliJson.Write(new
                    {
                        File = ex.File,
                        Valid = false,
                        Policies = Array.Empty<object>(),
                        Issues = ex.Issues.Select(issue => new { issue.File, issue.Line, issue.Column, issue.Diagnostic.Code, Message = issue.Diagnostic.Text }),
                    });
                    return CliExitCodes.EngineOrPolicyError;
                }

                foreach (var issue in ex.Issues)
                {
                    Console.Error.WriteLine(issue);
                }

                Console.Error.WriteLine($"gadugi-exec: {ex.Issues.Count} problem(s) in {ex.File}; nothing would run with this file.");
                return CliExitCodes.EngineOrPolicyError;
            }
            catch (GadugiException ex)
            {
                return CliConsole.ReportError(ex);
            }
        });

        var policyFile = new Option<FileInfo?>("--policy-file") { Description = "Also show the policies of this file." };
        var showJson = CliJson.CreateOption("the policies");
        var show = new Command("show", "Show the policies that can be named (built-in and from a file), with their effective limits.") { policyFile, showJson };
        show.SetAction(parse =>
        {
            try
            {
                var set = RunCommand.LoadPolicies(parse.GetValue(policyFile));
                if (parse.GetValue(showJson))
                {
                    CliJson.Write(new { Policies = set.Names.Select(set.Resolve).Select(PolicyJson.From) });
                    return 0;
                }

                Render(set.Names.Select(set.Resolve));
                return 0;
            }
            catch (GadugiException ex)
            {
                return CliConsole.ReportError(ex);
            }
        });

        return new Command("policy", "Check and show sandbox policies.") { check, show };
    }

    private static readonly string[] Columns = ["policy", "image", "memory", "cpus", "disk", "pids", "network", "timeout", "runtime", "fallback", "workspace", "source"];

    /// <summary>A table on a terminal wide enough for it; plain aligned columns on a narrow one, a pipe or a file.</summary>
    private static void Render(IEnumerable<SandboxPolicy> policies)
    {
        var rows = policies.Select(Row).ToList();
        var widths = Columns.Select((column, i) => Math.Max(column.Length, rows.Count == 0 ? 0 : rows.Max(row => row[i].Length))).ToArray();
        var tableWidth = widths.Sum() + (3 * widths.Length) + 1;
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive || AnsiConsole.Profile.Width < tableWidth)
        {
            Console.Out.Write(PlainColumns.Format(Columns, rows));
            return;
        }

        var table = new Table().AddColumns(Columns);
        foreach (var row in rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }

        AnsiConsole.Write(table);
    }

    private static string[] Row(SandboxPolicy p) =>
    [
        p.Name,
        p.Image,
        PolicyValueParser.FormatSize(p.MemoryBytes),
        p.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PolicyValueParser.FormatSize(p.DiskBytes),
        p.PidsLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        p.Network.ToString(),
        PolicyValueParser.FormatDuration(p.Timeout),
        p.Runtime.ToString().ToLowerInvariant(),
        p.Fallback.ToString().ToLowerInvariant(),
        p.Workspace == WorkspaceAccess.ReadWrite ? "rw" : "ro",
        p.Source,
    ];
}
