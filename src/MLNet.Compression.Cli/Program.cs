using System.CommandLine;

namespace MLNet.Compression.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("mlnet-compress: compress transformer language models and measure what it costs in knowledge and bias.");
        root.Subcommands.Add(TokenizeCommand.Create());
        return root.Parse(args).Invoke();
    }
}
