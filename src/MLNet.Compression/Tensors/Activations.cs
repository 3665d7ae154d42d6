using System.Numerics.Tensors;

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

    public static void Apply(Activation act, Span<float> x)
    {
        switch (act)
        {
            case Activation.Gelu:
                for (int i = 0; i < x.Length; i++) x[i] = (float)(0.5 * x[i] * (1.0 + Erf(x[i] * 0.70710678118654752440)));
                break;
            case Activation.GeluTanh:
                // gelu_new: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), computed in double so it rounds like PyTorch's float path.
                for (int i = 0; i < x.Length; i++)
                {
                    double v = x[i];
                    x[i] = (float)(0.5 * v * (1.0 + Math.Tanh(0.79788456080286535588 * (v + 0.044715 * v * v * v))));
                }
                break;
            case Activation.QuickGelu:
                for (int i = 0; i < x.Length; i++) x[i] = (float)(x[i] / (1.0 + Math.Exp(-1.702 * x[i])));
                break;
            case Activation.Relu:
                TensorPrimitives.Max(x, 0f, x);
                break;
            case Activation.Silu:
                for (int i = 0; i < x.Length; i++) x[i] = (float)(x[i] / (1.0 + Math.Exp(-(double)x[i])));
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(x, x);
                break;
            case Activation.Linear:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(act));
        }
    }

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
