using MLNet.Compression.Tensors;

namespace MLNet.Compression.Quantization;

/// <summary>
/// y[rows, out] = x · Wᵀ for a compressed W that can write any band of its rows as float: the band (sized to stay in L2)
/// is dequantized and multiplied with the float GEMM, so a large batch pays for dequantization once per band, not per row.
/// </summary>
internal static class DequantizedTiles
{
    /// <summary>Target floats in one band (1 MiB).</summary>
    private const int BandFloats = 1 << 18;

    public static void Multiply(ReadOnlySpan<float> x, int rows, Span<float> y, int outFeatures, int inFeatures, Action<int, int, Span<float>> dequantizeRows)
    {
        int band = Math.Clamp(BandFloats / inFeatures / 16 * 16, 16, outFeatures);
        var tile = new float[(long)band * inFeatures]; // [band, in]
        for (int r0 = 0; r0 < outFeatures; r0 += band)
        {
            int r1 = Math.Min(outFeatures, r0 + band), nb = r1 - r0;
            dequantizeRows(r0, r1, tile.AsSpan(0, nb * inFeatures));
            // y[:, r0:r1] = x · tileᵀ, written in place with the output's row stride.
            ComputeBackend.Current.Sgemm(false, true, rows, nb, inFeatures, 1f, x, inFeatures, tile.AsSpan(0, nb * inFeatures), inFeatures,
                0f, y[r0..], outFeatures);
        }
    }
}
