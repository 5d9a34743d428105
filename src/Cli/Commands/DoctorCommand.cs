using System.CommandLine;
using Gadugi.BuildExec.Core.Health;
using Spectre.Console;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>gadugi-exec doctor: can this machine sandbox, and do the limits hold?</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var json = CliJson.CreateOption("every check (name, status, detail) and the verdict");
        var doctor = new Command("doctor", "Check the engine, runtimes and images, and prove live that memory, pids and network limits are enforced. Exit 0 when nothing failed.") { json };
        doctor.SetAction(async (parse, cancellationToken) =>
        {
            var failed = false;
            if (parse.GetValue(json))
            {
                var checks = new List<HealthCheck>();
                await foreach (var check in new SandboxDoctor().RunAsync(cancellationToken).ConfigureAwait(false))
                {
                    checks.Add(check);
                }

                failed = checks.Any(check => check.Status == HealthStatus.Fail);
                CliJson.Write(new { Passed = !failed, Checks = checks.Select(check => new { check.Name, Status = check.Status.ToString().ToLowerInvariant(), check.Detail }) });
                return failed ? 1 : 0;
            }

            await foreach (var check in new SandboxDoctor().RunAsync(cancellationToken).ConfigureAwait(false))
            {
                var (mark, color) = check.Status switch
                {
                    HealthStatus.Pass => ("PASS", "green"),
                    HealthStatus.Warn => ("WARN", "yellow"),
                    _ => ("FAIL", "red"),
                };
                failed |= check.Status == HealthStatus.Fail;
                if (Console.IsOutputRedirected)
                {
                    Console.WriteLine($"{mark} {check.Name}: {check.Detail}");
                }
                else
                {
                    AnsiConsole.MarkupLine($"[{color}]{mark}[/] {Markup.Escape(check.Name)}: {Markup.Escape(check.Detail)}");
                }
            }

            return failed ? 1 : 0;
        });
        return doctor;
    }
}
