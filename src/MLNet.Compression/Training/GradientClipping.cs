using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// Clipping by global norm as torch.nn.utils.clip_grad_norm_ (torch 1.13, norm_type 2): total = ‖(‖g₁‖₂, …, ‖gₙ‖₂)‖₂
/// over the parameters that have a gradient, coef = min(max_norm / (total + 1e-6), 1) in float32, and every gradient is
/// multiplied by coef (also when it is 1, as PyTorch does).
/// </summary>
public static class GradientClipping
{
    /// <summary>Clips in place; returns the pre-clip total norm and the coefficient applied.</summary>
    public static (float TotalNorm, float ClipCoef) ClipByGlobalNorm(IReadOnlyList<Variable> parameters, double maxNorm)
    {
        float total = GlobalNorm(parameters);
        // clip_coef = max_norm / (total_norm + 1e-6), computed in float32 as reciprocal(total + 1e-6) * max_norm, clamped to 1.
        float coef = 1f / (total + 1e-6f) * (float)maxNorm;
        if (coef > 1f) coef = 1f;
        foreach (var p in parameters)
        {
            if (p.Grad is null) continue;
            System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad.ReadOnlySpan, coef, p.Grad.Span);
        }
        return (total, coef);
    }

    /// <summary>
    /// The L2 norm of all gradients together: each tensor's norm rounded to float32 (PyTorch's per-tensor torch.norm),
    /// then the norm of those, each accumulated in double.
    /// </summary>
    public static float GlobalNorm(IReadOnlyList<Variable> parameters)
    {
        double sum = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is null) continue;
            double ss = 0;
            foreach (float x in p.Grad.ReadOnlySpan) ss += (double)x * x;
            float n = (float)Math.Sqrt(ss);
            sum += (double)n * n;
        }
        return (float)Math.Sqrt(sum);
    }
}
