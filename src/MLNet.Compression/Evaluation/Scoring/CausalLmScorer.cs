using MLNet.Compression.Modeling;

namespace MLNet.Compression.Evaluation.Scoring;

/// <summary>
/// Causal-LM scores: log P(continuation | context) = Σ_j log P(c_j | context, c_&lt;j), read from one forward pass of
/// context + continuation (position t predicts token t+1). All pairs are batched by length.
/// </summary>
public sealed class CausalLmScorer
{
    private readonly DistributionRunner _runner;

    /// <summary>Creates a scorer; the model must be a causal LM.</summary>
    public CausalLmScorer(LanguageModel model, DistributionRunner.Options? options = null)
    {
        if (model.Kind != ModelKind.CausalLM) throw new ArgumentException($"{model.ModelType} is a {model.Kind}, not a causal LM.");
        _runner = new DistributionRunner(model, options);
    }

    /// <summary>The runner, for callers that need whole distributions (next-token ranking, KL divergence).</summary>
    public DistributionRunner Runner => _runner;

    /// <summary>
    /// Per pair, the log-probability of each continuation token given everything before it. The context must hold at
    /// least one token (prepend BOS where the model has one).
    /// </summary>
    public double[][] TokenLogProbs(IReadOnlyList<(int[] Context, int[] Continuation)> pairs)
    {
        var queries = new DistributionQuery[pairs.Count];
        var result = new double[pairs.Count][];
        for (int i = 0; i < pairs.Count; i++)
        {
            var (ctx, cont) = pairs[i];
            if (ctx.Length == 0) throw new ArgumentException($"pair {i}: the context is empty; nothing predicts the first continuation token.");
            queries[i] = new DistributionQuery([.. ctx, .. cont], Enumerable.Range(ctx.Length - 1, cont.Length).ToArray());
            result[i] = new double[cont.Length];
        }
        _runner.Run(queries, (q, k, lp) => result[q][k] = lp[pairs[q].Continuation[k]]);
        return result;
    }

    /// <summary>Per pair, log P(continuation | context) = the sum of <see cref="TokenLogProbs"/>.</summary>
    public double[] ContinuationLogLikelihoods(IReadOnlyList<(int[] Context, int[] Continuation)> pairs)
        => TokenLogProbs(pairs).Select(t => t.Sum()).ToArray();
}
