using MLNet.Compression.Tensors;

namespace MLNet.Compression.Quantization;

/// <summary>
/// H = 2/N · Σ x xᵀ over every calibration row x seen by one layer (GPTQ's layer-wise objective ‖WX − ŴX‖², whose
/// Hessian in W's rows is 2XXᵀ; Frantar et al. 2022 §3; IST-DASLab/gptq gptq.py add_batch).
/// </summary>
public sealed class HessianAccumulator
{
    private readonly double[] _sum; // [in, in]
    private float[] _scratch = [];

    public HessianAccumulator(int inFeatures)
    {
        InFeatures = inFeatures;
        _sum = new double[(long)inFeatures * inFeatures];
    }

    public int InFeatures { get; }

    /// <summary>Rows seen so far.</summary>
    public long Samples { get; private set; }

    /// <summary>Adds x [rows, in] (XᵀX with the float GEMM, summed in double).</summary>
    public void Add(ReadOnlySpan<float> x, int rows)
    {
        if (rows == 0) return;
        int n = InFeatures;
        if (_scratch.Length == 0) _scratch = new float[n * n]; // [in, in]
        ComputeBackend.Current.Sgemm(true, false, n, n, rows, 1f, x, n, x, n, 0f, _scratch, n);
        for (int i = 0; i < _sum.Length; i++) _sum[i] += _scratch[i];
        Samples += rows;
    }

    /// <summary>2/N · XᵀX [in, in].</summary>
    public double[] Hessian()
    {
        if (Samples == 0) throw new InvalidOperationException("no calibration rows reached this layer.");
        var h = new double[_sum.Length];
        for (int i = 0; i < h.Length; i++) h[i] = 2.0 * _sum[i] / Samples;
        return h;
    }
}
