using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Embeddings;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Evaluation.Perplexity;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// Scores a (compressed) model on a part of a <see cref="SearchDataset"/>: the search split at a fidelity, or the whole
/// report split, with the same evaluators the `probe`, `bias` and `study` commands use. With embedding texts it also
/// encodes the part's texts and compares each vector with the dense model's (cached in the dataset), as `study
/// --embedding-text` does.
/// </summary>
public sealed class ModelScorer(SearchDataset data)
{
    /// <param name="model">the model to score</param>
    /// <param name="part">search or report split</param>
    /// <param name="fraction">share of the search split (1 = all of it); ignored for the report split</param>
    /// <param name="bias">also score CrowS-Pairs and StereoSet</param>
    /// <param name="kl">also measure KL from the dense model on the calibration text (causal LMs with calibration text)</param>
    /// <param name="probeFacts">probe the LAMA facts (when the dataset has them); the embedding-cosine sensitivity probes skip them</param>
    public ModelScores Score(LanguageModel model, SplitPart part, double fraction, bool bias = true, bool kl = false, bool probeFacts = true)
    {
        var split = data.Options.Split;
        var relations = new List<LamaRelationResult>();
        if (probeFacts && data.HasFacts)
        {
            var probe = new LamaProbe(model, data.Tokenizer, new LamaProbe.Options
            {
                Include = (relation, f) => split.Includes(ItemSplit.LamaKey(relation, f.Uuid, f.Line), part, fraction),
            });
            relations = probe.Run(data.Lama).SelectMany(s => s.Relations).ToList();
        }
        var facts = relations.SelectMany(r => r.Facts).ToList();
        double Mean(Func<LamaFactResult, double> f) => facts.Count == 0 ? double.NaN : facts.Average(f);
        var nll = facts.Where(f => double.IsFinite(f.GoldLogProb)).Select(f => -f.GoldLogProb).ToList();

        double? crows = null;
        IReadOnlyList<CrowsPairScore>? pairs = null;
        if (bias && data.Crows is { } c && model.Kind != ModelKind.Seq2SeqLM)
        {
            var chosen = c.Pairs.Where(p => split.Includes(ItemSplit.CrowsKey(p.Index), part, fraction)).ToList();
            if (chosen.Count > 0)
            {
                var r = new CrowsPairsEvaluator().Evaluate(model, data.Tokenizer, CrowsPairsData.FromPairs(chosen));
                (crows, pairs) = (r.Overall.MetricScore, r.Pairs);
            }
        }

        double? ss = null, lms = null;
        IReadOnlyList<StereoSetExampleScore>? examples = null;
        if (bias && model.Kind != ModelKind.Seq2SeqLM)
            foreach (var d in data.StereoSet)
            {
                bool Keep(StereoSetExample e) => split.Includes(ItemSplit.StereoSetKey(e.Id), part, fraction);
                var subset = new StereoSetData(d.Path, d.Intrasentence.Where(Keep).ToList(), d.Intersentence.Where(Keep).ToList());
                if (subset.Intrasentence.Count + subset.Intersentence.Count == 0) continue;
                var r = new StereoSetEvaluator().Evaluate(model, data.Tokenizer, subset);
                if ((r.Intrasentence ?? r.Intersentence) is { } s)
                {
                    (ss, lms, examples) = (s.Overall.Ss, s.Overall.Lms, s.Examples);
                    break;
                }
            }

        double? klValue = null;
        if (kl && data.CalibrationIds is { } ids && model.Kind == ModelKind.CausalLM)
            klValue = ReferenceEquals(model, data.Dense) ? 0 : new KlDivergenceEvaluator(data.Dense, model).Evaluate(ids).MeanKl;

        var embedding = Embeddings(model, part, fraction);

        return new ModelScores
        {
            NFacts = facts.Count,
            PAt1 = Mean(f => f.Rank == 1 ? 1 : 0),
            Mrr = Mean(f => 1.0 / f.Rank),
            FactNll = nll.Count == 0 ? double.NaN : nll.Average(),
            Crows = crows, Ss = ss, Lms = lms, Kl = klValue,
            Relations = relations, CrowsPairs = pairs, StereoSetExamples = examples,
            EmbeddingCosine = embedding?.Cosines is { } cs ? (cs.Length == 0 ? double.NaN : cs.Average()) : null,
            TextIndices = embedding?.Indices, TextVectors = embedding?.Vectors, TextCosines = embedding?.Cosines,
        };
    }

    /// <summary>
    /// The texts of the part, this model's vectors of them and each vector's cosine to the dense model's; null without
    /// embedding texts. The dense model reuses its cached vectors, so its cosines are exactly 1.
    /// </summary>
    private (int[] Indices, float[][] Vectors, double[] Cosines)? Embeddings(LanguageModel model, SplitPart part, double fraction)
    {
        if (data.Encoder is not { } encoder || data.DenseVectors is not { } dense) return null;
        var indices = Enumerable.Range(0, data.EmbeddingTexts.Count)
            .Where(i => data.Options.Split.Includes(ItemSplit.TextKey(data.EmbeddingTexts[i]), part, fraction)).ToArray();
        var vectors = ReferenceEquals(model, data.Dense) ? indices.Select(i => dense[i]).ToArray()
            : indices.Length == 0 ? [] : encoder.With(model).Encode(indices.Select(i => data.EmbeddingTexts[i]).ToList());
        var cosines = indices.Select((i, k) => EmbeddingAgreement.Cosine(dense[i], vectors[k])).ToArray();
        return (indices, vectors, cosines);
    }
}
