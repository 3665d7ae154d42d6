using MLNet.Compression.Tensors;

namespace MLNet.Compression.Quantization;

/// <summary>Round-to-nearest weight-only quantization: every (row, group) gets its own <see cref="GroupGrid"/>; no calibration.</summary>
public static class RtnQuantizer
{
    /// <param name="weight">[out, in]</param>
    /// <param name="groupSize">columns per group; 0 or less means one group per row</param>
    public static KBitWeight Quantize(Tensor weight, int bits, int groupSize, bool symmetric)
    {
        if (weight.Rank != 2) throw new ArgumentException($"a linear weight must be 2-D, got {weight}.");
        int outF = weight.Dim(0), inF = weight.Dim(1);
        int gs = groupSize <= 0 ? inF : Math.Min(groupSize, inF), groups = (inF + gs - 1) / gs;
        var codes = new byte[weight.Length]; // [out, in]
        var scales = new float[outF * groups]; // [out, groups]
        var zeros = new float[outF * groups];  // [out, groups]
        var w = weight.ReadOnlySpan;
        for (int o = 0; o < outF; o++)
            for (int g = 0; g < groups; g++)
            {
                int c0 = g * gs, len = Math.Min(gs, inF - c0);
                var grid = GroupGrid.Fit(w.Slice(o * inF + c0, len), bits, symmetric);
                scales[o * groups + g] = grid.Scale;
                zeros[o * groups + g] = grid.Zero;
                for (int c = c0; c < c0 + len; c++) codes[o * inF + c] = (byte)grid.Code(w[o * inF + c]);
            }
        return new KBitWeight(codes, scales, zeros, outF, inF, bits, gs, symmetric);
    }
}
