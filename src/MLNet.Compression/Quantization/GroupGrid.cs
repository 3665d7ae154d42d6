namespace MLNet.Compression.Quantization;

/// <summary>
/// Round-to-nearest grid of one group of weights: w ≈ s·(q − z), q ∈ [0, 2^bits − 1]. The grid is the one of the GPTQ
/// reference (IST-DASLab/gptq quant.py Quantizer.find_params with weight=True): the range is widened to contain 0;
/// symmetric grids take ±max|w| and put z in the middle, (maxq + 1)/2; an all-zero group gets the range [−1, 1].
/// </summary>
public readonly record struct GroupGrid(float Scale, float Zero, int MaxQ)
{
    /// <summary>The grid for <paramref name="w"/>.</summary>
    public static GroupGrid Fit(ReadOnlySpan<float> w, int bits, bool symmetric)
    {
        if (bits < 2 || bits > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"weight-only quantization supports 2..8 bits, got {bits}.");
        int maxq = (1 << bits) - 1;
        float xmin = 0f, xmax = 0f;
        foreach (float v in w) { if (v < xmin) xmin = v; if (v > xmax) xmax = v; }
        if (symmetric)
        {
            xmax = MathF.Max(MathF.Abs(xmin), xmax);
            if (xmin < 0) xmin = -xmax;
        }
        if (xmin == 0f && xmax == 0f) { xmin = -1f; xmax = 1f; }
        float scale = (xmax - xmin) / maxq;
        float zero = symmetric ? (maxq + 1) / 2 : MathF.Round(-xmin / scale, MidpointRounding.ToEven);
        return new GroupGrid(scale, zero, maxq);
    }

    /// <summary>q = clamp(round(w / s) + z, 0, maxq) (torch.round: half to even).</summary>
    public int Code(float w) => (int)Math.Clamp(MathF.Round(w / Scale, MidpointRounding.ToEven) + Zero, 0f, MaxQ);

    /// <summary>The value a code stands for: s·(q − z), computed as (q − z)·s in float32 like the kernels.</summary>
    public float Value(int code) => (code - Zero) * Scale;

    /// <summary>w rounded to the grid.</summary>
    public float Round(float w) => Value(Code(w));
}
