using BenchmarkDotNet.Running;

namespace MLNet.Compression.Benchmarks;

public static class Program
{
    /// <summary>`-- gemm [threads]` runs the quick stopwatch GEMM check; anything else goes to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm")
        {
            GemmQuickRunner.Run(args[1..]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
