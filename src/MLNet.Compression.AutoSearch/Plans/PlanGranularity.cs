namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>How finely a plan chooses: a setting per linear layer, or one per transformer block and module group (fewer dimensions for large models).</summary>
public enum PlanGranularity
{
    /// <summary>One sparsity and bit-width per linear layer.</summary>
    Layer,
    /// <summary>One per block × {attention, ffn}: every layer of a block's attention (or feed-forward) shares the setting.</summary>
    BlockGroup,
}
