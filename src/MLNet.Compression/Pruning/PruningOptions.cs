using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

/// <summary>Options every pruning method shares.</summary>
public class PruningOptions
{
    /// <summary>Fraction of the chosen weights to zero. Default 0.5.</summary>
    public double Sparsity { get; set; } = 0.5;

    /// <summary>Which linear layers to prune. Default <see cref="ModuleGroup.All"/> (every layer but the LM head).</summary>
    public ModuleGroup Groups { get; set; } = ModuleGroup.All;

    /// <summary>Per-layer sparsities; when set, exactly its layers are pruned and <see cref="Groups"/>/<see cref="Sparsity"/> are ignored. Default none.</summary>
    public SparsityPlan? Plan { get; set; }

    /// <summary>How pruned weights are stored. Default <see cref="SparseStorage.Auto"/>.</summary>
    public SparseStorage Storage { get; set; } = SparseStorage.Auto;

    /// <summary>
    /// With <see cref="SparseStorage.Auto"/>, the sparsity from which an unstructured layer is stored as CSR rather than
    /// dense with zeros. Default 0.6: measured with `-- sparse` (benchmarks/SparseBench.cs), CSR multiplies a
    /// 768→3072 layer over 1024 tokens faster than the AVX-512 dense GEMM only from about there on.
    /// </summary>
    public double CsrMinSparsity { get; set; } = 0.6;
}
