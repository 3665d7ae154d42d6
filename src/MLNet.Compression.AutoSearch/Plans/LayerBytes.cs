using MLNet.Compression.Modeling;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>
/// Bytes a linear layer will take as stored under a <see cref="LayerSetting"/>, from the weight forms' own size rules
/// (KBitWeight, Int8Weight, HalfWeight, CsrWeight, NMWeight), without compressing it: the tuners screen plans against the
/// size budget and the knapsack allocates it with these numbers. A quantized layer is stored dense in its quantized form
/// whether or not it was pruned first; a pruned float layer takes CSR (or 2:4) only when that is smaller, as
/// PruningEstimator stores it. The weights each pruner removes are counted by its own rule (<see cref="PrunedCount"/>);
/// weights that were zero before pruning make the real size a little smaller, which the trial measures.
/// </summary>
public static class LayerBytes
{
    /// <summary>Weight and bias bytes of <paramref name="layer"/> under <paramref name="s"/>.</summary>
    public static long Of(Linear layer, LayerSetting s) => Of(layer.OutFeatures, layer.InFeatures, layer.Bias is not null, s);

    /// <summary>Weight and bias bytes of an [out, in] layer under <paramref name="s"/>.</summary>
    public static long Of(int outFeatures, int inFeatures, bool hasBias, LayerSetting s)
    {
        long n = (long)outFeatures * inFeatures, dense = n * sizeof(float);
        long weight = s.Bits switch
        {
            16 => HalfWeight.StorageBytesOf(outFeatures, inFeatures),
            8 when s.Quantizer == "dynamic-int8" => Int8Weight.StorageBytesOf(outFeatures, inFeatures, perChannel: false),
            int b => KBitWeight.StorageBytesOf(outFeatures, inFeatures, b, s.GroupSize, symmetric: false),
            null when !s.Pruned => dense,
            null when s.Pruner == "nm" && inFeatures % 4 == 0 => Math.Min(dense, NMWeight.StorageBytesOf(outFeatures, inFeatures, 2, 4)),
            null when s.Sparsity >= new PruningOptions().CsrMinSparsity && CsrWeight.Supports(inFeatures)
                => Math.Min(dense, CsrWeight.StorageBytesOf(outFeatures, n - PrunedCount(outFeatures, inFeatures, s))),
            null => dense,
        };
        return weight + (hasBias ? (long)outFeatures * sizeof(float) : 0);
    }

    /// <summary>
    /// Weights an unstructured pruner removes from an [out, in] layer at sparsity s: magnitude rounds s·n half to even
    /// (torch.nn.utils.prune); Wanda removes ⌊s·in⌋ per output row (prune_wanda); SparseGPT removes ⌊s·len⌋ + 1 per block
    /// of 128 columns, since its mask keeps what is above the threshold at that index (mask = tmp ≤ thresh).
    /// </summary>
    public static long PrunedCount(int outFeatures, int inFeatures, LayerSetting s)
    {
        long n = (long)outFeatures * inFeatures;
        switch (s.Pruner)
        {
            case "wanda":
                return (long)outFeatures * (int)(inFeatures * s.Sparsity);
            case "sparsegpt":
                long removed = 0;
                int block = new SparseGptPruningEstimator.Options().BlockSize;
                for (int i = 0; i < inFeatures; i += block)
                {
                    long len = (long)outFeatures * Math.Min(block, inFeatures - i);
                    long index = (long)(len * s.Sparsity);
                    removed += index < len ? index + 1 : len;
                }
                return removed;
            default:
                return MaskSelection.CountToPrune(s.Sparsity, n);
        }
    }
}
