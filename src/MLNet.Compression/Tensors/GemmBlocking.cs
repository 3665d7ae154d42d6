using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// The micro-kernel chosen for this CPU and the cache block sizes that feed it.
/// KC x NR (one B panel) is sized for L1, MC x KC (the packed A block) for L2, KC x NC (the packed B block) for L3.
/// The AVX-512 blocks were tuned on Zen 4 (32 KiB L1d, 1 MiB L2 per core): KC = 384, MC = 128 beat KC = 256 by ~5%;
/// the B panel (72 KiB) then outgrows L1 but streams from L2 fast enough at 24 FMAs per 192-byte row.
/// </summary>
internal sealed unsafe class GemmBlocking
{
    /// <summary>Rows and columns of the C tile one kernel call computes.</summary>
    public readonly int MR, NR;

    /// <summary>Cache blocks: rows of A per packed block, depth per pass, columns of B per packed block.</summary>
    public readonly int MC, KC, NC;

    /// <summary>C[MR, NR] = alpha * Apanel^T * Bpanel + beta * C, with panels packed by <see cref="GemmPacking"/>.</summary>
    public readonly delegate*<int, float*, float*, float*, nint, float, float, void> Kernel;

    public readonly string Name;

    private GemmBlocking(string name, int mr, int nr, int mc, int kc, int nc,
        delegate*<int, float*, float*, float*, nint, float, float, void> kernel)
    {
        Name = name;
        MR = mr; NR = nr; MC = mc; KC = kc; NC = nc;
        Kernel = kernel;
    }

    /// <summary>The best kernel the running CPU supports for wide C (many columns).</summary>
    public static readonly GemmBlocking Current = Create(Avx512F.IsSupported ? "avx512" : Avx2.IsSupported && Fma.IsSupported ? "avx2" : "scalar");

    /// <summary>The kernel for narrow C: attention heads (n = seq or head dim, often 64 or 128) waste a third of a 48-wide tile.</summary>
    public static readonly GemmBlocking Narrow = Avx512F.IsSupported ? Create("avx512-narrow") : Current;

    /// <summary>Columns from which the 48-wide tile's edge waste (at most 47 columns) is small enough to pay for its ~5% faster kernel.</summary>
    private const int WideMinColumns = 384;

    /// <summary>Kernel and blocks for a C with <paramref name="n"/> columns.</summary>
    public static GemmBlocking For(int n) => n >= WideMinColumns || n % Current.NR == 0 ? Current : Narrow;

    /// <summary>Kernels this CPU can run, best last; tests run every one of them.</summary>
    public static IEnumerable<string> Supported()
    {
        yield return "scalar";
        if (Avx2.IsSupported && Fma.IsSupported) yield return "avx2";
        if (Avx512F.IsSupported) { yield return "avx512-narrow"; yield return "avx512"; }
    }

    /// <summary>A named kernel with its default blocks, or with the blocks given (tests shrink them to cross every loop edge).</summary>
    public static GemmBlocking Create(string name, int? mc = null, int? kc = null, int? nc = null) => name switch
    {
        "avx512" => new(name, GemmKernelAvx512Wide.MR, GemmKernelAvx512Wide.NR, mc ?? 16 * GemmKernelAvx512Wide.MR, kc ?? 384, nc ?? 4096, &GemmKernelAvx512Wide.Run),
        "avx512-narrow" => new(name, GemmKernelAvx512Narrow.MR, GemmKernelAvx512Narrow.NR, mc ?? 16 * GemmKernelAvx512Narrow.MR, kc ?? 384, nc ?? 4096, &GemmKernelAvx512Narrow.Run),
        "avx2" => new(name, GemmKernelAvx2.MR, GemmKernelAvx2.NR, mc ?? 24 * GemmKernelAvx2.MR, kc ?? 256, nc ?? 4096, &GemmKernelAvx2.Run),
        "scalar" => new(name, GemmKernelScalar.MR, GemmKernelScalar.NR, mc ?? 32 * GemmKernelScalar.MR, kc ?? 256, nc ?? 2048, &GemmKernelScalar.Run),
        _ => throw new ArgumentException($"Unknown GEMM kernel '{name}'.", nameof(name)),
    };
}
