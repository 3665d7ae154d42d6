namespace MLNet.Compression.Pruning;

/// <summary>Where one threshold applies.</summary>
public enum PruningScope
{
    /// <summary>One ranking over all chosen layers together (torch.nn.utils.prune.global_unstructured): layers lose different fractions.</summary>
    Global,
    /// <summary>Each layer ranked on its own (torch.nn.utils.prune.l1_unstructured per module): every layer loses the same fraction.</summary>
    Local,
}
