using BenchmarkDotNet.Running;

namespace MLNet.Compression.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "bert": BertForwardBench.Run(args[1..]); break;
            case "tokenizers": TokenizerThroughput.Run(args[1..]); break;
            default: BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args); break;
        }
    }
}
