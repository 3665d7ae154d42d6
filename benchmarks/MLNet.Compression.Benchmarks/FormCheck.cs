using System.Globalization;
using MLNet.Compression.Modeling;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Whether recovery training kept the compressed model's form, checked layer by layer on the stored weights: every
/// weight that was exactly zero is still exactly zero — in every linear layer, since a pruner stores a layer it left
/// below 60 % sparsity as dense with zeros — and every layer keeps its weight format, k-bit layers their bits, group size
/// and symmetry.
/// </summary>
internal static class FormCheck
{
    /// <summary>e.g. "sparsity 0.700 → 0.700, zeros kept", "bits and groups kept", or "NO: " and the first layer that changed.</summary>
    public static string Kept(LanguageModel before, LanguageModel after)
    {
        long zerosBefore = 0, zerosAfter = 0, weights = 0;
        bool kbit = false;
        for (int i = 0; i < before.Linears.Count; i++)
        {
            var was = before.Linears[i].Weight;
            var now = after.Linears[i].Weight;
            string name = before.Linears[i].Name;
            if (now.Format != was.Format) return $"NO: {name} went from {was.Format} to {now.Format}";
            if (was is KBitWeight k)
            {
                var n = (KBitWeight)now;
                if (n.Bits != k.Bits || n.GroupSize != k.GroupSize || n.Symmetric != k.Symmetric) return $"NO: {name} changed its bits or groups";
                kbit = true;
                continue;
            }
            var a = was.ToDense().ReadOnlySpan;
            var b = now.ToDense().ReadOnlySpan;
            long zeros = 0, zerosNow = 0;
            for (int j = 0; j < a.Length; j++)
            {
                if (a[j] == 0f)
                {
                    if (b[j] != 0f) return $"NO: {name} has a pruned weight that is no longer zero";
                    zeros++;
                }
                if (b[j] == 0f) zerosNow++;
            }
            if (zeros == 0) continue; // a layer the pruner left alone (the head) does not count in the sparsity
            weights += a.Length;
            zerosBefore += zeros;
            zerosAfter += zerosNow;
        }
        if (zerosBefore == 0) return kbit ? "bits and groups kept" : "no compressed layer";
        string sparsity = string.Create(CultureInfo.InvariantCulture, $"sparsity {(double)zerosBefore / weights:0.000} → {(double)zerosAfter / weights:0.000}, zeros kept");
        return kbit ? sparsity + ", bits and groups kept" : sparsity;
    }
}
