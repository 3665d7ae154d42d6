namespace MLNet.Compression.Pipeline;

/// <summary>What a stage did to one layer: reported by `info`, saved in the manifest.</summary>
public sealed record LayerChange(string Layer, string Stage, string Method)
{
    /// <summary>Fraction of zero weights after the stage, where it prunes.</summary>
    public double? Sparsity { get; init; }
    /// <summary>Bits per weight after the stage, where it quantizes.</summary>
    public int? Bits { get; init; }
    /// <summary>Method parameters worth recording (group size, scope, N:M, damping, ...).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();
}
