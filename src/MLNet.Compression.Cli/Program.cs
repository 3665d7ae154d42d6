using System.CommandLine;
using MLNet.Compression.Cli.Commands;
using MLNet.Compression.Cli.Parsing;

namespace MLNet.Compression.Cli;

/// <summary>
/// The <c>mlnet-compress</c> tool. Exit codes: 0 success; <see cref="CliErrors.UsageExitCode"/> (1) for every usage error —
/// an option System.CommandLine cannot parse, a bad option value, a bad recipe, plan, grid or data file, an output that
/// cannot be written or would overwrite an unrelated file — reported as one <c>error: …</c> line on stderr. Anything else
/// is a bug: it is not caught, so .NET prints its stack trace and the process ends with its unhandled-exception code.
/// </summary>
public static class Program
{
    /// <summary>Parses <paramref name="args"/> and runs the chosen command; returns the exit code.</summary>
    public static int Main(string[] args)
    {
        ConsoleSetup.ForRedirectedOutput();
        var root = new RootCommand("mlnet-compress: compress transformer language models and measure what it costs in knowledge and bias.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(ForwardCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(WorldCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(DistillCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(SearchStatusCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(PerplexityCommand.Create());
        root.Subcommands.Add(PruneCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(CompressCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(BiasCommand.Create());
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var e in parsed.Errors) Console.Error.WriteLine($"error: {ParseErrorText.Describe(e)}");
            return CliErrors.UsageExitCode;
        }
        // Without the default handler a bug's exception reaches .NET, which prints the stack trace and exits non-zero.
        return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}
