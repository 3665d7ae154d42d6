using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNet.Compression.Tensors;

/// <summary>The activation functions the families use, by their Hugging Face names (ACT2FN).</summary>
public enum Activation
{
    /// <summary>"gelu": exact, 0.5·x·(1 + erf(x/√2)).</summary>
    Gelu,
    /// <summary>"gelu_new", "gelu_pytorch_tanh", "gelu_fast": the tanh approximation.</summary>
    GeluTanh,
    /// <summary>"quick_gelu": x·σ(1.702x).</summary>
    QuickGelu,
    Relu,
    /// <summary>"silu" / "swish": x·σ(x).</summary>
    Silu,
    Tanh,
    Linear,
}

public static class Activations
{
    /// <summary>Maps a Hugging Face activation name to the function; unknown names are an error the caller reports with its file.</summary>
    public static bool TryParse(string name, out Activation activation)
    {
        activation = name switch
        {
            "gelu" => Activation.Gelu,
            "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => Activation.GeluTanh,
            "quick_gelu" => Activation.QuickGelu,
            "relu" => Activation.Relu,
            "silu" or "swish" => Activation.Silu,
            "tanh" => Activation.Tanh,
            "linear" => Activation.Linear,
            _ => (Activation)(-1),
        };
        return (int)activation >= 0;
    }

    /// <summary>
    /// act(x), consuming x: at inference the result is x itself, changed in place; while a tape records
    /// (<see cref="Autograd.Tape.Current"/>) it is a new tensor on the tape and x keeps the value the backward pass reads.
    /// </summary>
    public static Tensor Apply(Activation act, Tensor x) // x's shape
    {
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.Activation(tape.Of(x), act));
        ApplyKernel(act, x.Span);
        return x;
    }

    /// <summary>Applies the activation in place (not while a tape records: use the consuming form).</summary>
    public static void Apply(Activation act, Span<float> x)
    {
        Autograd.Tape.ForbidInPlace("Activations.Apply(span)");
        ApplyKernel(act, x);
    }

    /// <summary>The in-place kernel; large spans are split across cores.</summary>
    internal static void ApplyKernel(Activation act, Span<float> x)
    {
        if (act == Activation.Linear) return;
        if (act == Activation.Relu) { TensorPrimitives.Max(x, 0f, x); return; }
        const int Chunk = 1 << 15;
        if (x.Length < 2 * Chunk)
        {
            ApplyChunk(act, x);
            return;
        }
        unsafe
        {
            fixed (float* p = x)
            {
                float* basePtr = p;
                int length = x.Length;
                Parallel.For(0, (length + Chunk - 1) / Chunk, c =>
                {
                    int start = c * Chunk;
                    ApplyChunk(act, new Span<float>(basePtr + start, Math.Min(Chunk, length - start)));
                });
            }
        }
    }

    private static void ApplyChunk(Activation act, Span<float> x)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float r = ref MemoryMarshal.GetReference(x);
            for (; i + Vector512<float>.Count <= x.Length; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref r, (nuint)i);
                Vector512.StoreUnsafe(act switch
                {
                    Activation.Gelu => GeluErf(v),
                    Activation.GeluTanh => GeluTanh(v),
                    Activation.QuickGelu => v / (Vector512<float>.One + Vector512.Exp(v * -1.702f)),
                    Activation.Silu => v / (Vector512<float>.One + Vector512.Exp(-v)),
                    Activation.Tanh => Tanh(v),
                    _ => throw new ArgumentOutOfRangeException(nameof(act)),
                }, ref r, (nuint)i);
            }
        }
        for (; i < x.Length; i++) x[i] = Scalar(act, x[i]);
    }

    private static float Scalar(Activation act, float v) => act switch
    {
        Activation.Gelu => (float)(0.5 * v * (1.0 + Erf(v * 0.70710678118654752440))),
        // gelu_new: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))
        Activation.GeluTanh => (float)(0.5 * v * (1.0 + Math.Tanh(0.79788456080286535588 * (v + 0.044715 * v * v * v)))),
        Activation.QuickGelu => (float)(v / (1.0 + Math.Exp(-1.702 * v))),
        Activation.Silu => (float)(v / (1.0 + Math.Exp(-(double)v))),
        Activation.Tanh => MathF.Tanh(v),
        Activation.Relu => MathF.Max(v, 0f),
        _ => v,
    };

    /// <summary>
    /// 0.5·x·(1 + erf(x/√2)) with erf from Abramowitz &amp; Stegun 7.1.26 (absolute error ≤ 1.5e-7, about one float32 ulp of 1),
    /// so the whole vector runs in registers.
    /// </summary>
    private static Vector512<float> GeluErf(Vector512<float> x)
    {
        var z = x * 0.70710678118654752440f;
        var a = Vector512.Abs(z);
        var t = Vector512<float>.One / (Vector512<float>.One + a * 0.3275911f);
        var poly = t * (Vector512.Create(0.254829592f) + t * (Vector512.Create(-0.284496736f) + t * (Vector512.Create(1.421413741f)
            + t * (Vector512.Create(-1.453152027f) + t * 1.061405429f))));
        var erfAbs = Vector512<float>.One - poly * Vector512.Exp(-(a * a));
        var erf = Vector512.ConditionalSelect(Vector512.LessThan(z, Vector512<float>.Zero), -erfAbs, erfAbs);
        return x * 0.5f * (Vector512<float>.One + erf);
    }

    private static Vector512<float> GeluTanh(Vector512<float> x)
    {
        var u = x * 0.79788456080286535588f * (Vector512<float>.One + x * x * 0.044715f);
        return x * 0.5f * (Vector512<float>.One + Tanh(u));
    }

    /// <summary>tanh(u) = 1 − 2/(e^{2u} + 1): saturates cleanly to ±1 when e^{2u} overflows or underflows.</summary>
    private static Vector512<float> Tanh(Vector512<float> u)
        => Vector512<float>.One - Vector512.Create(2f) / (Vector512.Exp(u + u) + Vector512<float>.One);

    /// <summary>
    /// erf in double precision. .NET has no Math.Erf; this uses the complementary-error-function
    /// Chebyshev fit of Numerical Recipes (3rd ed., §6.2.2, erfccheb), relative error below 1.2e-16 after
    /// the final exp, far below float32 resolution.
    /// </summary>
    public static double Erf(double x)
    {
        if (x >= 0) return 1.0 - Erfc(x);
        return Erfc(-x) - 1.0;
    }

    private static readonly double[] ErfcCoefficients =
    [
        -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
        -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
        -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8,
        6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10,
        9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13,
        -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
    ];

    private static double Erfc(double z)
    {
        // z >= 0
        double t = 2.0 / (2.0 + z);
        double ty = 4.0 * t - 2.0;
        double d = 0, dd = 0;
        for (int j = ErfcCoefficients.Length - 1; j > 0; j--)
        {
            double tmp = d;
            d = ty * d - dd + ErfcCoefficients[j];
            dd = tmp;
        }
        return t * Math.Exp(-z * z + 0.5 * (ErfcCoefficients[0] + ty * d) - dd);
    }
}
