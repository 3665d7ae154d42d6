using MLNet.Compression.Evaluation.Perplexity;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Evaluation.Perplexity;

/// <summary>The sliding-window loop and the two perplexity averages on hand-worked numbers; KL divergence properties.</summary>
public class PerplexityTests
{
    [Fact]
    public void Windows_WithStride_ScoreEveryTokenButTheFirstExactlyOnce()
    {
        // 10 tokens, max length 4, stride 2 (the guide's loop):
        //   begin 0: end 4, trg_len 4 → positions 1..3 scored (position 0 has no context) = 3
        //   begin 2: end 6, trg_len 6-4 = 2 → the last 2 = 2;  begin 4: end 8 → 2;  begin 6: end 10 → 2, end == 10 stops.
        var w = PerplexityEvaluator.Windows(10, 4, 2);
        Assert.Equal([(0, 4, 3), (2, 6, 2), (4, 8, 2), (6, 10, 2)], w);
        Assert.Equal(9, w.Sum(x => x.Targets));
        // Without overlap every window loses its first token: 10 tokens, windows of 4 → 3 + 3 + 1 (the last holds 2 tokens).
        Assert.Equal([(0, 4, 3), (4, 8, 3), (8, 10, 1)], PerplexityEvaluator.Windows(10, 4, 4));
    }

    [Fact]
    public void Result_TokenWeightedAndWindowMeanDiffer_AsComputedByHand()
    {
        // Window A: 3 tokens, NLL sum 6 (mean 2); window B: 2 tokens, NLL sum 2 (mean 1).
        var r = new PerplexityResult([new PerplexityWindow(0, 4, 3, 6), new PerplexityWindow(4, 7, 2, 2)]);
        Assert.Equal(5, r.NTokens);
        Assert.Equal(8.0 / 5, r.MeanNll, 12);                  // token-weighted: (6 + 2) / 5 = 1.6
        Assert.Equal(Math.Exp(1.6), r.Perplexity, 9);
        Assert.Equal(Math.Exp(1.5), r.WindowMeanPerplexity, 9); // mean of window means: (2 + 1) / 2 = 1.5
    }

    [Fact]
    public void Stride_GivesEveryTokenMoreContext_AndScoresTheSameTokenCount()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "gpt2_tiny"));
        var ids = Enumerable.Range(0, 70).Select(i => (i * 7919) % 5000 + 10).ToArray();
        var plain = new PerplexityEvaluator(model, new() { MaxLength = 32, Stride = 32 }).Evaluate(ids);
        var sliding = new PerplexityEvaluator(model, new() { MaxLength = 32, Stride = 8 }).Evaluate(ids);
        // Non-overlapping windows drop each window's first token; the sliding loop scores all but the very first.
        Assert.Equal(31 + 31 + 5, plain.NTokens);
        Assert.Equal(69, sliding.NTokens);
        // The first window is the same in both loops.
        Assert.Equal(plain.Windows[0].SumNll, sliding.Windows[0].SumNll, 6);
    }

    [Fact]
    public void KlDivergence_IsZeroForTheSameWeights_AndPositiveOnceAWeightChanges()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "gpt2_tiny"));
        var ids = Enumerable.Range(0, 40).Select(i => (i * 31) % 900 + 5).ToArray();
        var options = new PerplexityEvaluator.Options { MaxLength = 16 };
        var same = new KlDivergenceEvaluator(model, model.Clone(), options).Evaluate(ids);
        Assert.Equal(15 + 15 + 7, same.NTokens);
        Assert.True(Math.Abs(same.MeanKl) < 1e-6, $"KL of identical models {same.MeanKl}");
        Assert.Equal(1.0, same.Top1Agreement);

        var changed = model.Clone();
        var layer = changed.Linears.First(l => l.Role == LayerRole.FfnUp);
        var dense = layer.Weight.ToDense();
        var data = (float[])dense.Data.Clone();
        for (int i = 0; i < data.Length; i++) data[i] *= -3f;
        layer.Weight = new DenseWeight(new MLNet.Compression.Tensors.Tensor(data, dense.Shape));
        var kl = new KlDivergenceEvaluator(model, changed, options).Evaluate(ids);
        Assert.True(kl.MeanKl > 1e-4, $"KL after changing {layer.Name}: {kl.MeanKl}");
        Assert.True(kl.MaxKl >= kl.MeanKl);
    }
}
