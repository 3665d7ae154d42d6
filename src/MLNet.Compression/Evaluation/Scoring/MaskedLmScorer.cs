using MLNet.Compression.Modeling;

namespace MLNet.Compression.Evaluation.Scoring;

/// <summary>
/// Masked-LM scores: the distribution at mask positions, and the masked pseudo-log-likelihood of a sentence
/// (Salazar et al. 2020; CrowS-Pairs metric.py masks one token at a time and sums its log-probability).
/// </summary>
public sealed class MaskedLmScorer
{
    private readonly DistributionRunner _runner;

    /// <summary>Creates a scorer; the model must be a masked LM.</summary>
    public MaskedLmScorer(LanguageModel model, DistributionRunner.Options? options = null)
    {
        if (model.Kind != ModelKind.MaskedLM) throw new ArgumentException($"{model.ModelType} is a {model.Kind}, not a masked LM.");
        _runner = new DistributionRunner(model, options);
    }

    /// <summary>Log-probabilities at each (sequence, mask position): consume(query, k, logProbs[vocab]) as in <see cref="DistributionRunner.Run"/>.</summary>
    public void LogProbsAtMasks(IReadOnlyList<DistributionQuery> queries, Action<int, int, ReadOnlySpan<float>> consume, Action<int>? progress = null)
        => _runner.Run(queries, consume, progress);

    /// <summary>
    /// For each sequence, Σ over <c>positions</c> of log P(original token | the sequence with that one token replaced by
    /// <paramref name="maskId"/>): one masked copy per position, all copies batched together.
    /// </summary>
    public double[] PseudoLogLikelihoods(IReadOnlyList<(int[] Ids, int[] Positions)> sequences, int maskId)
    {
        var queries = new List<DistributionQuery>();
        var owner = new List<(int Seq, int Gold)>();
        for (int s = 0; s < sequences.Count; s++)
        {
            var (ids, positions) = sequences[s];
            foreach (int p in positions)
            {
                var masked = (int[])ids.Clone();
                masked[p] = maskId;
                queries.Add(new DistributionQuery(masked, [p]));
                owner.Add((s, ids[p]));
            }
        }
        var perQuery = new double[queries.Count];
        _runner.Run(queries, (q, _, lp) => perQuery[q] = lp[owner[q].Gold]);
        var sums = new double[sequences.Count];
        for (int q = 0; q < queries.Count; q++) sums[owner[q].Seq] += perQuery[q];
        return sums;
    }
}
