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
        var check = new Command("check", "Validate a policy file; every problem is reported with its file, line, column and field.") { file };
        check.SetAction(parse =>
        {
            try
            {
                var set = PolicyFileLoader.LoadFile(parse.GetValue(file)!.FullName);
                Console.WriteLine($"OK: {set.File}: {set.FilePolicies.Count} polic{(set.FilePolicies.Count == 1 ? "y" : "ies")} ({string.Join(", ", set.FilePolicies.Keys.Order(StringComparer.Ordinal))})");
                Render(set.FilePolicies.Values);
                return 0;
            }
            catch (PolicyFileException ex)
            {
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
        var show = new Command("show", "Show the policies that can be named (built-in and from a file), with their effective limits.") { policyFile };
        show.SetAction(parse =>
        {
            try
            {
                var set = RunCommand.LoadPolicies(parse.GetValue(policyFile));
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

    private static void Render(IEnumerable<SandboxPolicy> policies)
    {
        var table = new Table().AddColumns("policy", "image", "memory", "cpus", "disk", "pids", "network", "timeout", "runtime", "fallback", "workspace", "source");
        foreach (var p in policies)
        {
            table.AddRow(
                Markup.Escape(p.Name),
                Markup.Escape(p.Image),
                PolicyValueParser.FormatSize(p.MemoryBytes),
                p.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
                PolicyValueParser.FormatSize(p.DiskBytes),
                p.PidsLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(p.Network.ToString()),
                PolicyValueParser.FormatDuration(p.Timeout),
                p.Runtime.ToString().ToLowerInvariant(),
                p.Fallback.ToString().ToLowerInvariant(),
                p.Workspace == WorkspaceAccess.ReadWrite ? "rw" : "ro",
                Markup.Escape(p.Source));
        }

        AnsiConsole.Write(table);
    }
}
