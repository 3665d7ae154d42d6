using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019) exactly as torch.optim.AdamW's per-tensor implementation in torch 1.13
/// (torch/optim/adamw.py, _single_tensor_adamw), one parameter group, float32 state:
/// p ← p·(1 − lr·wd); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − (lr/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε).
/// Bias corrections and step sizes are computed in double and applied as float32 scalars, in PyTorch's operation order.
/// Decoupled weight decay applies to every parameter, biases and norm weights included, as a single group does.
/// Parameters without a gradient this step are skipped.
/// </summary>
public sealed class AdamW
{
    /// <summary>Hyper-parameters, with torch.optim.AdamW's defaults.</summary>
    public sealed class Options
    {
        /// <summary>Default 1e-3; a schedule multiplies it per step.</summary>
        public double LearningRate { get; set; } = 1e-3;

        /// <summary>Default 0.9.</summary>
        public double Beta1 { get; set; } = 0.9;

        /// <summary>Default 0.999.</summary>
        public double Beta2 { get; set; } = 0.999;

        /// <summary>Default 1e-8.</summary>
        public double Eps { get; set; } = 1e-8;

        /// <summary>Default 0.01 (decoupled).</summary>
        public double WeightDecay { get; set; } = 0.01;
    }

    private readonly IReadOnlyList<Variable> _parameters;
    private readonly Tensor[] _expAvg, _expAvgSq;
    private readonly int[] _steps;

    public AdamW(IReadOnlyList<Variable> parameters, Options? options = null)
    {
        _parameters = parameters;
        Settings = options ?? new Options();
        _expAvg = parameters.Select(p => Tensor.Zeros(p.Shape)).ToArray();
        _expAvgSq = parameters.Select(p => Tensor.Zeros(p.Shape)).ToArray();
        _steps = new int[parameters.Count];
    }

    public Options Settings { get; }

    /// <summary>First moments (exp_avg), one per parameter, in parameter order.</summary>
    public IReadOnlyList<Tensor> ExpAvg => _expAvg;

    /// <summary>Second moments (exp_avg_sq), one per parameter.</summary>
    public IReadOnlyList<Tensor> ExpAvgSq => _expAvgSq;

    /// <summary>Steps each parameter has taken (PyTorch keeps a step count per parameter state).</summary>
    public IReadOnlyList<int> Steps => _steps;

    /// <summary>Restores state saved from <see cref="ExpAvg"/>, <see cref="ExpAvgSq"/> and <see cref="Steps"/>.</summary>
    public void Restore(int index, float[] expAvg, float[] expAvgSq, int steps)
    {
        if (expAvg.Length != _expAvg[index].Length || expAvgSq.Length != _expAvgSq[index].Length)
            throw new ArgumentException($"AdamW state for {_parameters[index].Name} has the wrong size.");
        expAvg.CopyTo(_expAvg[index].Span);
        expAvgSq.CopyTo(_expAvgSq[index].Span);
        _steps[index] = steps;
    }

    /// <summary>One update of every parameter that has a gradient, at learning rate <paramref name="lr"/>.</summary>
    public void Step(double lr)
    {
        var o = Settings;
        Parallel.For(0, _parameters.Count, i =>
        {
            var p = _parameters[i];
            if (p.Grad is null) return;
            int t = ++_steps[i];
            float decay = (float)(1 - lr * o.WeightDecay);
            float b1 = (float)o.Beta1, oneMinusB1 = (float)(1 - o.Beta1);
            float b2 = (float)o.Beta2, oneMinusB2 = (float)(1 - o.Beta2);
            double bc1 = 1 - Math.Pow(o.Beta1, t);
            double bc2 = 1 - Math.Pow(o.Beta2, t);
            float negStepSize = (float)-(lr / bc1);
            float bc2Sqrt = (float)Math.Sqrt(bc2);
            float eps = (float)o.Eps;
            var ps = p.Value.Span;
            var g = p.Grad.ReadOnlySpan;
            var m = _expAvg[i].Span;
            var v = _expAvgSq[i].Span;
            for (int j = 0; j < ps.Length; j++)
            {
                float pj = ps[j] * decay;                       // param.mul_(1 - lr * weight_decay)
                float mj = m[j] * b1 + oneMinusB1 * g[j];       // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                float vj = v[j] * b2 + oneMinusB2 * g[j] * g[j]; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                float denom = MathF.Sqrt(vj) / bc2Sqrt + eps;   // (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
                ps[j] = pj + negStepSize * mj / denom;          // param.addcdiv_(exp_avg, denom, value=-step_size)
                m[j] = mj;
                v[j] = vj;
            }
        });
    }
}
