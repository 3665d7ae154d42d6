namespace MLNet.Compression.Pruning;

/// <summary>How a pruned layer holds its weight.</summary>
public enum SparseStorage
{
    /// <summary>N:M packed for N:M masks, CSR for unstructured masks above <see cref="PruningOptions.CsrMinSparsity"/>, else dense with zeros.</summary>
    Auto,
    /// <summary>Always dense float32 with zeros (the study's masking; same numbers, no speed or size gain).</summary>
    Dense,
}
