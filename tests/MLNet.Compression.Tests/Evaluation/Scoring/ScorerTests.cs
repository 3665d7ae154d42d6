using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Evaluation.Scoring;

/// <summary>Ranking on hand-worked distributions, and the scorers against a plain unbatched forward pass.</summary>
public class ScorerTests
{
    [Fact]
    public void RankOf_CountsStrictlyBetterIdsSoTiesShareTheBetterRank()
    {
        float[] lp = [-1f, -2f, -1f, -3f, -0.5f];
        // gold 2 (-1): only id 4 (-0.5) is strictly better → rank 2; id 0 ties and does not count.
        Assert.Equal(2, Ranking.RankOf(lp, 2));
        // gold 3 (-3): ids 0, 1, 2, 4 are better → rank 5.
        Assert.Equal(5, Ranking.RankOf(lp, 3));
        // restricted to candidates {1, 3}: only id 1 beats id 3 → rank 2; argmax among them is 1.
        Assert.Equal(2, Ranking.RankOf(lp, 3, [1, 3]));
        Assert.Equal(1, Ranking.ArgMax(lp, [1, 3]));
        // whole vocabulary: -0.5 (id 4), then the tie -1 (ids 0, 2; first index first), then -2 (id 1).
        Assert.Equal([4, 0, 2, 1], Ranking.TopK(lp, 4));
        Assert.Equal(4, Ranking.ArgMax(lp));
    }

    [Fact]
    public void CausalScorer_BatchedPaddedPairs_EqualOneUnpaddedForwardEach()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "gpt2_tiny"));
        var pairs = new List<(int[], int[])> { ([50256, 464], [3139, 286, 4881]), ([50256], [40]), ([50256, 464, 1110, 318], [257, 3797]) };
        var scores = new CausalLmScorer(model).ContinuationLogLikelihoods(pairs);
        for (int i = 0; i < pairs.Count; i++)
        {
            var (ctx, cont) = pairs[i];
            int[] all = [.. ctx, .. cont];
            var logits = model.Forward(new ModelInput(new TokenBatch(1, all.Length, all))).Logits; // [1, len, vocab]
            int v = logits.Dim(-1);
            double expected = 0;
            var lp = new float[v];
            for (int j = 0; j < cont.Length; j++)
            {
                // position ctx.Length - 1 + j predicts cont[j]
                TensorOps.LogSoftmaxRow(logits.ReadOnlySpan.Slice((ctx.Length - 1 + j) * v, v), lp);
                expected += lp[cont[j]];
            }
            Assert.Equal(expected, scores[i], 1e-4);
        }
    }

    [Fact]
    public void PseudoLogLikelihood_SumsEachTokenMaskedOnItsOwn()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "bert_uncased_tiny"));
        int[] ids = [101, 3000, 2003, 1996, 3007, 1012, 102];
        int[] positions = [1, 2, 3, 4, 5];
        var pll = new MaskedLmScorer(model).PseudoLogLikelihoods([(ids, positions), (ids[..5], [1, 2])], maskId: 103);
        double Manual(int[] seq, int[] pos)
        {
            double sum = 0;
            foreach (int p in pos)
            {
                var masked = (int[])seq.Clone();
                masked[p] = 103;
                var logits = model.Forward(new ModelInput(new TokenBatch(1, masked.Length, masked)), new ForwardOptions { LogitPositions = [p] }).Logits;
                var lp = new float[logits.Dim(-1)];
                TensorOps.LogSoftmaxRow(logits.ReadOnlySpan, lp);
                sum += lp[seq[p]];
            }
            return sum;
        }
        Assert.Equal(Manual(ids, positions), pll[0], 1e-4);
        Assert.Equal(Manual(ids[..5], [1, 2]), pll[1], 1e-4);
    }

    [Fact]
    public void Seq2SeqSpanScorer_FirstTokenDistributionAgreesWithSpanLikelihood()
    {
        string dir = SharedData.Fixture("models", "t5_tiny");
        var model = ModelLoader.Load(dir);
        var tokenizer = MLNet.Compression.Tokenization.AutoTokenizer.FromFolder(dir);
        var scorer = new Seq2SeqSpanScorer(model, tokenizer);
        var enc = tokenizer.EncodeToIds("Paris is the capital of <extra_id_0> .").ToArray();
        double first = double.NaN;
        scorer.FirstSpanTokenLogProbs([enc], (_, lp) => first = lp[100]);
        // A one-token span without the closing sentinel is exactly that first-token log-probability.
        var span = scorer.SpanLogLikelihoods([(enc, [100])], includeClosingSentinel: false);
        Assert.Equal(first, span[0], 1e-5);
        // With the closing sentinel the score adds log P(<extra_id_1> | …), which is negative.
        Assert.True(scorer.SpanLogLikelihoods([(enc, [100])])[0] < span[0]);
    }
}
