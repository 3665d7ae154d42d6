using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

/// <summary>Calibration statistics for Wanda and OWL: the L2 norm of every input feature of a layer over the calibration tokens.</summary>
public static class WandaStatistics
{
    /// <summary>‖X_j‖₂ [in] per layer, from one pass over <paramref name="calibration"/> (padding rows excluded).</summary>
    public static Dictionary<Linear, float[]> InputNorms(LanguageModel model, IReadOnlyList<Linear> layers, CalibrationData calibration)
    {
        var sums = layers.Distinct().ToDictionary(l => l, l => new double[l.InFeatures]); // Σ x_j² [in]
        calibration.Capture(model, sums.Keys, (layer, x, rows) =>
        {
            var s = sums[layer];
            int inF = layer.InFeatures;
            lock (s)
                for (int r = 0; r < rows; r++)
                {
                    var row = x.Slice(r * inF, inF);
                    for (int j = 0; j < inF; j++) s[j] += (double)row[j] * row[j];
                }
        });
        return sums.ToDictionary(p => p.Key, p => p.Value.Select(v => (float)Math.Sqrt(v)).ToArray());
    }

    /// <summary>|W_ij| · ‖X_j‖₂ for W [out, in] → [out·in].</summary>
    public static float[] Scores(ReadOnlySpan<float> w, int inF, ReadOnlySpan<float> norms)
    {
        if (norms.Length != inF) throw new ArgumentException($"{norms.Length} input norms for {inF} inputs.");
        var s = new float[w.Length]; // [out·in]
        for (int i = 0; i < w.Length; i++) s[i] = MathF.Abs(w[i]) * norms[i % inF];
        return s;
    }
}
