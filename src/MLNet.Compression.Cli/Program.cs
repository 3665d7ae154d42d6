using System.CommandLine;
using MLNet.Compression.Cli.Commands;

namespace MLNet.Compression.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("mlnet-compress: compress transformer language models and measure what it costs in knowledge and bias.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(ForwardCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(PerplexityCommand.Create());
        root.Subcommands.Add(PruneCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(CompressCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(BiasCommand.Create());
        return root.Parse(args).Invoke();
    }
}
