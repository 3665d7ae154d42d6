namespace MLNet.Compression.Tensors.Autograd;

/// <summary>Activation functions (Hugging Face ACT2FN names) with their derivatives.</summary>
public sealed partial class Tape
{
    /// <summary>
    /// y = act(x) elementwise, computed by <see cref="Activations.ApplyKernel"/> (the inference kernels). The backward pass
    /// multiplies by act′(x), written out per function in <see cref="Derivative"/>.
    /// </summary>
    public Variable Activation(Variable x, Activation act)
    {
        var y = Allocate(x.Shape, zero: false); // x's shape
        x.Value.ReadOnlySpan.CopyTo(y.Span);
        Activations.ApplyKernel(act, y.Span);
        return Record(y, x.RequiresGrad, r =>
        {
            float[] gx = x.GradForAccumulate(this).Data, g = r.Grad!.Data, xv = x.Value.Data;
            int length = r.Grad.Length;
            // Chunks of 16K elements over the cores; each element is independent, so the result does not depend on the split.
            const int Chunk = 1 << 14;
            Parallel.For(0, (length + Chunk - 1) / Chunk, c =>
            {
                int end = Math.Min(length, (c + 1) * Chunk);
                for (int i = c * Chunk; i < end; i++) gx[i] += g[i] * Derivative(act, xv[i]);
            });
        });
    }

    /// <summary>act′(x). Erf-GELU: Φ(x) + x·φ(x); tanh-GELU: ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²) with
    /// t = tanh(√(2/π)(x + 0.044715x³)); SiLU: σ(x)(1 + x(1 − σ(x))); quick-GELU: σ(1.702x)(1 + 1.702x(1 − σ(1.702x))).</summary>
    public static float Derivative(Activation act, float x)
    {
        switch (act)
        {
            case Tensors.Activation.Gelu:
            {
                // erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), as the forward kernel uses.
                float z = x * 0.70710678118654752440f, a = MathF.Abs(z);
                float t = 1f / (1f + 0.3275911f * a);
                float e = MathF.Exp(-a * a);
                float erf = 1f - t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))) * e;
                if (z < 0) erf = -erf;
                // φ(x) = e^{−x²/2}/√(2π), and e^{−x²/2} = e^{−z²}
                return 0.5f * (1f + erf) + x * e * 0.39894228040143267794f;
            }
            case Tensors.Activation.GeluTanh:
            {
                const float K = 0.79788456080286535588f;
                float t = MathF.Tanh(K * (x + 0.044715f * x * x * x));
                return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * K * (1f + 3f * 0.044715f * x * x);
            }
            case Tensors.Activation.Silu:
            {
                float s = 1f / (1f + MathF.Exp(-x));
                return s * (1f + x * (1f - s));
            }
            case Tensors.Activation.QuickGelu:
            {
                float s = 1f / (1f + MathF.Exp(-1.702f * x));
                return s * (1f + 1.702f * x * (1f - s));
            }
            case Tensors.Activation.Relu: return x > 0 ? 1f : 0f;
            case Tensors.Activation.Tanh: { float t = MathF.Tanh(x); return 1f - t * t; }
            case Tensors.Activation.Linear: return 1f;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "unknown activation");
        }
    }
}
