using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Evaluation.Perplexity;

/// <summary>KL divergence of a model's next-token distributions from a base model's, over the same token positions.</summary>
public sealed record KlDivergenceResult(int NTokens, double MeanKl, double MaxKl, double Top1Agreement);

/// <summary>
/// KL(P_base ‖ P_model) = Σ_v p_base(v) (log p_base(v) − log p_model(v)) at every position the perplexity loop scores,
/// averaged over positions (nats). It measures how far compression moved the whole next-token distribution, which
/// perplexity alone hides (a model can keep its perplexity while reshuffling its predictions). Both models see the
/// same windows (<see cref="PerplexityEvaluator.Windows"/>); the base distributions of a block of windows are held
/// while the compressed model runs on that block.
/// </summary>
public sealed class KlDivergenceEvaluator
{
    private readonly LanguageModel _base, _model;
    private readonly PerplexityEvaluator.Options _options;

    /// <summary>Creates an evaluator; both models must be causal LMs over the same vocabulary.</summary>
    public KlDivergenceEvaluator(LanguageModel baseModel, LanguageModel model, PerplexityEvaluator.Options? options = null)
    {
        if (baseModel.Kind != ModelKind.CausalLM || model.Kind != ModelKind.CausalLM)
            throw new ArgumentException($"KL divergence needs two causal LMs; got {baseModel.ModelType} ({baseModel.Kind}) and {model.ModelType} ({model.Kind}).");
        if (baseModel.VocabSize != model.VocabSize)
            throw new ArgumentException($"The base model has {baseModel.VocabSize} ids and the model {model.VocabSize}; they must share a vocabulary.");
        _base = baseModel;
        _model = model;
        _options = options ?? new PerplexityEvaluator.Options();
    }

    /// <summary>Compares the two models over <paramref name="ids"/>.</summary>
    public KlDivergenceResult Evaluate(IReadOnlyList<int> ids)
    {
        if (ids.Count < 2) throw new ArgumentException($"The text has {ids.Count} token(s); at least 2 are needed.");
        var (maxLength, stride) = PerplexityEvaluator.Resolve(_base, _options);
        var windows = PerplexityEvaluator.Windows(ids.Count, maxLength, stride);
        var queries = PerplexityEvaluator.Queries(ids, windows);
        int vocab = _base.VocabSize, block = Math.Max(1, _options.BatchSize);
        var baseRunner = new DistributionRunner(_base, new DistributionRunner.Options { BatchSize = block });
        var runner = new DistributionRunner(_model, new DistributionRunner.Options { BatchSize = block });
        double sum = 0, max = 0;
        int n = 0, agree = 0;
        object gate = new();
        const long maxStoredFloats = 64L << 20;   // 256 MiB of base log-probabilities at most (one window always fits)
        for (int start = 0, end; start < queries.Length; start = end)
        {
            long rows = 0;
            for (end = start; end < queries.Length && end - start < block; end++)
            {
                if (end > start && (rows + queries[end].Positions.Length) * vocab > maxStoredFloats) break;
                rows += queries[end].Positions.Length;
            }
            var chunk = queries[start..end];
            var offsets = new int[chunk.Length + 1];
            for (int i = 0; i < chunk.Length; i++) offsets[i + 1] = offsets[i] + chunk[i].Positions.Length;
            var stored = new float[offsets[^1] * vocab];   // [rows, vocab] base log-probabilities
            baseRunner.Run(chunk, (q, k, lp) => lp.CopyTo(stored.AsSpan((offsets[q] + k) * vocab, vocab)));
            runner.Run(chunk, (q, k, lp) =>
            {
                var p = stored.AsSpan((offsets[q] + k) * vocab, vocab);
                double kl = 0;
                for (int v = 0; v < vocab; v++) kl += Math.Exp(p[v]) * (p[v] - lp[v]);
                bool same = Ranking.ArgMax(p) == Ranking.ArgMax(lp);
                lock (gate)
                {
                    sum += kl;
                    max = Math.Max(max, kl);
                    n++;
                    if (same) agree++;
                }
            });
        }
        return new KlDivergenceResult(n, n == 0 ? double.NaN : sum / n, max, n == 0 ? double.NaN : (double)agree / n);
    }
}
