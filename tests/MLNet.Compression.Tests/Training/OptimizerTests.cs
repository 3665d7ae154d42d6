using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;
using MLNet.Compression.Training;

namespace MLNet.Compression.Tests.Training;

/// <summary>AdamW, clipping and schedules on hand-worked examples.</summary>
public class OptimizerTests
{
    [Fact]
    public void AdamWFirstStep_HandWorked()
    {
        // p = 1, g = 0.5, lr = 0.1, wd = 0.1, β = (0.9, 0.999), ε = 1e-8:
        // p ← 1·(1 − 0.01) = 0.99; m = 0.05; v = 0.001·0.25 = 0.00025; m̂ = 0.5, √v̂ = 0.5
        // p ← 0.99 − 0.1·0.5/(0.5 + 1e-8) ≈ 0.89
        var p = new Variable(new Tensor([1f], 1), true) { Grad = new Tensor([0.5f], 1) };
        var opt = new AdamW([p], new AdamW.Options { LearningRate = 0.1, WeightDecay = 0.1 });
        opt.Step(0.1);
        Assert.Equal(0.89f, p.Value.Span[0], 1e-6f);
        Assert.Equal(0.05f, opt.ExpAvg[0].Span[0], 1e-7f);
        Assert.Equal(0.00025f, opt.ExpAvgSq[0].Span[0], 1e-9f);
        // Second step with g = −0.5: m = 0.045 − 0.05 = −0.005, m̂ = −0.005/0.19 = −0.0263158;
        // v = 0.00024975 + 0.00025 = 0.00049975, v̂ = 0.00049975/0.001999 = 0.25000, √ = 0.5
        // p ← 0.89·0.99 + 0.1·0.0263158/0.5 = 0.8811 + 0.00526316 = 0.88636316
        p.Grad = new Tensor([-0.5f], 1);
        opt.Step(0.1);
        Assert.Equal(0.88636316f, p.Value.Span[0], 1e-6f);
    }

    [Fact]
    public void AdamWSkipsParametersWithoutGradient()
    {
        var p = new Variable(new Tensor([2f], 1), true);
        var opt = new AdamW([p]);
        opt.Step(1e-3);
        Assert.Equal(2f, p.Value.Span[0]);
        Assert.Equal(0, opt.Steps[0]);
    }

    [Fact]
    public void ClipByGlobalNorm_HandWorked()
    {
        // gradients (3, 4) and (12): per-tensor norms 5 and 12, total 13; coef = 1/(13 + 1e-6)
        var a = new Variable(new Tensor([0f, 0f], 2), true) { Grad = new Tensor([3f, 4f], 2) };
        var b = new Variable(new Tensor([0f], 1), true) { Grad = new Tensor([12f], 1) };
        var (norm, coef) = GradientClipping.ClipByGlobalNorm([a, b], 1.0);
        Assert.Equal(13f, norm);
        Assert.Equal(1f / (13f + 1e-6f), coef);
        Assert.Equal(3f * coef, a.Grad!.Span[0]);
        // below the threshold the gradients are multiplied by exactly 1
        var (_, one) = GradientClipping.ClipByGlobalNorm([a, b], 5.0);
        Assert.Equal(1f, one);
    }

    [Fact]
    public void Schedules_WarmupThenDecay()
    {
        var cosine = new LearningRateSchedule(ScheduleKind.Cosine, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(0.0, cosine.Factor(0));
        Assert.Equal(0.5, cosine.Factor(5), 12);
        Assert.Equal(1.0, cosine.Factor(10), 12);
        Assert.Equal(0.5, cosine.Factor(60), 12);   // half-way through the decay: ½(1 + cos(π/2))
        Assert.Equal(0.0, cosine.Factor(110), 12);
        var linear = new LearningRateSchedule(ScheduleKind.Linear, 10, 110);
        Assert.Equal(0.75, linear.Factor(35), 12);  // (110 − 35)/100
        Assert.Equal(0.0, linear.Factor(200), 12);
        Assert.Equal(1.0, new LearningRateSchedule(ScheduleKind.Constant, 0, 5).Factor(4));
    }
}
