namespace MLNet.Compression.Modeling;

/// <summary>A model's bytes as stored: its linear layers and the rest (embeddings, norms, buffers), tied weights once.</summary>
public sealed record StorageBytesBreakdown(long Linear, long Other)
{
    public long Total => Linear + Other;
}
