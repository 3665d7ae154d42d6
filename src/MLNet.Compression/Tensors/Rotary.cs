namespace MLNet.Compression.Tensors;

/// <summary>
/// Rotary position embeddings (Su et al. 2021) in the "rotate_half" layout Hugging Face uses for
/// GPT-NeoX and Llama: the first rotaryDim channels of each head are split in two halves (x1, x2) and
/// rotated as (x1·cos − x2·sin, x2·cos + x1·sin); channels past rotaryDim pass through (partial rotary).
/// </summary>
public sealed class Rotary
{
    private readonly int _rotaryDim;
    private readonly double[] _invFreq;

    public Rotary(int rotaryDim, double theta)
    {
        if (rotaryDim % 2 != 0) throw new ArgumentException($"rotary dimension must be even, got {rotaryDim}.");
        _rotaryDim = rotaryDim;
        _invFreq = new double[rotaryDim / 2];
        for (int i = 0; i < _invFreq.Length; i++)
            // inv_freq = 1 / theta^(2i/d), computed in float32 in HF (torch.arange(0, d, 2).float() / d)
            _invFreq[i] = 1.0 / Math.Pow(theta, (float)(2 * i) / rotaryDim);
        for (int i = 0; i < _invFreq.Length; i++) _invFreq[i] = (float)_invFreq[i];
    }

    public int RotaryDim => _rotaryDim;

    /// <summary>Scales inverse frequencies (linear RoPE scaling divides positions by factor).</summary>
    public double PositionScale { get; init; } = 1.0;

    /// <summary>
    /// Rotates in place x laid out [batch, seq, heads, headDim] (a [batch, seq, heads·headDim] projection),
    /// positions[b, t] giving each token's position.
    /// </summary>
    public void Apply(Span<float> x, int batch, int seq, int heads, int headDim, ReadOnlySpan<int> positions)
    {
        Autograd.Tape.ForbidInPlace("Rotary.Apply(span)");
        Rotate(x, batch, seq, heads, headDim, positions);
    }

    /// <summary>
    /// x [batch, seq, heads·headDim] rotated by position, consuming x: at inference in place, while a tape records a new
    /// tensor on the tape.
    /// </summary>
    public Tensor Apply(Tensor x, int heads, int headDim, int[] positions) // [batch, seq, heads·headDim]
    {
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.Rotary(tape.Of(x), this, positions, heads, headDim));
        Rotate(x.Span, x.Dim(0), x.Dim(1), heads, headDim, positions);
        return x;
    }

    /// <summary>The in-place rotation.</summary>
    internal void Rotate(Span<float> x, int batch, int seq, int heads, int headDim, ReadOnlySpan<int> positions)
    {
        int half = _rotaryDim / 2;
        Span<float> cos = stackalloc float[half];
        Span<float> sin = stackalloc float[half];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < seq; t++)
            {
                double pos = positions[b * seq + t] / PositionScale;
                for (int i = 0; i < half; i++)
                {
                    // HF builds freqs = pos * inv_freq in float32, then cos/sin of that float.
                    float angle = (float)((float)pos * (float)_invFreq[i]);
                    cos[i] = MathF.Cos(angle);
                    sin[i] = MathF.Sin(angle);
                }
                for (int h = 0; h < heads; h++)
                {
                    var v = x.Slice(((b * seq + t) * heads + h) * headDim, headDim);
                    for (int i = 0; i < half; i++)
                    {
                        float x1 = v[i], x2 = v[i + half];
                        v[i] = x1 * cos[i] - x2 * sin[i];
                        v[i + half] = x2 * cos[i] + x1 * sin[i];
                    }
                }
            }
        }
    }
}
