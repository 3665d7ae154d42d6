using BenchmarkDotNet.Running;

namespace MLNet.Compression.Benchmarks;

public static class Program
{
    /// <summary>
    /// Quick stopwatch runners by name (`-- gemm`, `-- bert`, `-- tokenizers`); anything else goes to BenchmarkDotNet's switcher.
    /// </summary>
    public static void Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "gemm": GemmQuickRunner.Run(args[1..]); break;
            case "bert": BertForwardBench.Run(args[1..]); break;
            case "tokenizers": TokenizerThroughput.Run(args[1..]); break;
            case "lama": LamaBench.Run(args[1..]); break;
            case "quant": QuantBench.Run(args[1..]); break;
            case "train": TrainBench.Run(args[1..]); break;
            case "format": CompressedFormatBench.Run(args[1..]); break;
            case "crows": CrowsBench.Run(args[1..]); break;
            case "sparse": SparseBench.Run(args[1..]); break;
            case "bias-skew": BiasSkewBench.Run(args[1..]); break;
            case "search": SearchBench.Run(args[1..]); break;
            case "distill": DistillBench.Run(args[1..]); break;
            case "search-cost": SearchCostBench.Run(args[1..]); break;
            case "decode": DecodeBench.Run(args[1..]); break;
            case "gguf-decode": GgufDecodeBench.Run(args[1..]); break;
            case "ort": OrtBench.Run(args[1..]); break;
            default: BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args); break;
        }
    }
}
