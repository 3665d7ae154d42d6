using System.Diagnostics;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.Modeling;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.AutoSearch.Trials;

/// <summary>
/// The trial of a compression search: decode the point into a plan, reject it on predicted size when it cannot fit the
/// budget, compress the dense model with the plan's recipe (the same estimators `compress` runs), measure its stored size
/// and latency, then measure knowledge and bias on the search split rung by rung, stopping when ASHA does not promote it.
/// </summary>
public sealed class CompressionTrialRunner : ITrialRunner
{
    private readonly SearchDataset _data;
    private readonly CompressionSpace _space;
    private readonly PlanJudge _judge;
    private readonly FidelitySchedule _fidelity;
    private readonly int _seed;
    private readonly ModelScorer _scorer;
    private readonly IReadOnlyList<ModelScores> _base;
    private readonly ModelInput _latencyInput;

    /// <param name="baseline">the dense model's scores at each rung (see <see cref="Baseline"/>)</param>
    public CompressionTrialRunner(SearchDataset data, CompressionSpace space, PlanJudge judge, FidelitySchedule fidelity, IReadOnlyList<ModelScores> baseline, int seed)
    {
        (_data, _space, _judge, _fidelity, _base, _seed) = (data, space, judge, fidelity, baseline, seed);
        _scorer = new ModelScorer(data);
        _latencyInput = LatencyInput(data.Dense);
    }

    /// <summary>The dense model's scores at each rung of <paramref name="fidelity"/>.</summary>
    public static IReadOnlyList<ModelScores> Baseline(SearchDataset data, FidelitySchedule fidelity, SearchObjective objective)
    {
        var scorer = new ModelScorer(data);
        return fidelity.Fractions.Select(f => scorer.Score(data.Dense, SplitPart.Search, f, bias: true, kl: objective.Knowledge == KnowledgeMetric.Kl)).ToList();
    }

    public TrialOutcome Run(TrialContext context, CancellationToken cancellation)
    {
        var plan = _space.Plan(context.Parameters);
        long predicted = plan.SearchedBytes;
        long fixedBytes = _data.Dense.StorageBytes() - DenseSearchedBytes(_space);
        if (predicted > _judge.SearchedLimit)
        {
            var rejected = _judge.Judge(new TrialMetrics
            {
                Evaluated = false, SearchedBytes = predicted, ModelBytes = fixedBytes + predicted,
                BitsPerWeight = plan.BitsPerWeight, Plan = plan.Summary(),
            });
            return new TrialOutcome(TrialStatus.Finished, rejected);
        }

        cancellation.ThrowIfCancellationRequested();
        var model = Compress(plan);
        long searched = SearchedBytes(_space, model);
        long modelBytes = model.StorageBytes();
        double latency = LatencyMs(model);

        TrialMetrics? last = null;
        for (int r = 0; r < _fidelity.Count; r++)
        {
            cancellation.ThrowIfCancellationRequested();
            var s = _scorer.Score(model, SplitPart.Search, _fidelity.Fractions[r], bias: true, kl: _judge.Metric == KnowledgeMetric.Kl);
            var b = _base[r];
            double k = _judge.KnowledgeOf(s, b), bk = _judge.KnowledgeOf(b, b);
            // Without LAMA facts the fact scores are absent rather than NaN, so stored trials and results.json stay readable.
            bool facts = _data.HasFacts;
            last = _judge.Judge(new TrialMetrics
            {
                Rung = r, Fraction = _fidelity.Fractions[r], Evaluated = true, NFacts = s.NFacts,
                Knowledge = k, BaseKnowledge = bk, KnowledgeDrop = bk - k,
                PAt1 = facts ? s.PAt1 : null, Retained = facts ? KnownFacts.Retained(s, b) : null,
                KnownNllIncrease = facts ? KnownFacts.Nll(s, b) - KnownFacts.Nll(b, b) : null,
                Mrr = facts ? s.Mrr : null, FactNll = facts ? s.FactNll : null, Kl = s.Kl,
                EmbeddingCosine = s.EmbeddingCosine, NTexts = s.TextIndices?.Count,
                Crows = s.Crows, BaseCrows = b.Crows, Ss = s.Ss, BaseSs = b.Ss, BiasShift = _judge.BiasShift(s, b), BiasShiftUpper = _judge.BiasShiftUpper(s, b),
                SearchedBytes = searched, ModelBytes = modelBytes, BitsPerWeight = 8.0 * searched / _space.SearchedParameters,
                LatencyMs = latency, Plan = plan.Summary(),
            }, final: r == _fidelity.Count - 1);
            bool promoted = context.ReportRung(last);
            if (r == _fidelity.Count - 1) return new TrialOutcome(TrialStatus.Finished, last);
            if (!promoted) return new TrialOutcome(TrialStatus.Pruned, last);
        }
        return new TrialOutcome(TrialStatus.Finished, last);
    }

    /// <summary>The dense model compressed by <paramref name="plan"/> (the dense model itself when the plan changes nothing).</summary>
    public LanguageModel Compress(CompressionPlan plan) => Fit(plan)?.Model ?? _data.Dense;

    /// <summary>The plan's recipe fitted on the dense model, with the changes it made (to save); null when the plan changes nothing.</summary>
    public Pipeline.ModelTransformer? Fit(CompressionPlan plan)
    {
        var recipe = plan.ToRecipe(_data.ModelPath, _seed, _data.RecipeCalibration);
        if (recipe.Stages.Count == 0) return null;
        return RecipeRunner.Chain(recipe, "search plan").Fit(_data.Dense, recipe.Calibration is null ? null : _data.Calibration);
    }

    /// <summary>The model folder the search compresses.</summary>
    public string ModelPath => _data.ModelPath;

    /// <summary>The recipe of <paramref name="plan"/>, as `compress --recipe` runs it.</summary>
    public Recipe RecipeOf(CompressionPlan plan) => plan.ToRecipe(Path.GetFullPath(_data.ModelPath), _seed, _data.RecipeCalibration);

    /// <summary>Bytes of the searched layers of the dense model as float32.</summary>
    public static long DenseSearchedBytes(CompressionSpace space) => space.Layers.Values.Sum(l => LayerBytes.Of(l, LayerSetting.None));

    /// <summary>Bytes of <paramref name="model"/>'s searched layers as stored (weights in their forms, and biases): what the budget bounds.</summary>
    public static long SearchedBytes(CompressionSpace space, LanguageModel model)
        => model.Linears.Where(l => space.Layers.ContainsKey(l.Name)).Sum(l => l.Weight.StorageBytes + (l.Bias is null ? 0 : (long)l.Bias.Length * sizeof(float)));

    /// <summary>Median of three forwards of a fixed batch (4 rows of up to 32 tokens), in milliseconds.</summary>
    private double LatencyMs(LanguageModel model)
    {
        var times = new double[3];
        for (int i = 0; i < times.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            model.Forward(_latencyInput, new ForwardOptions { LogitPositions = [0] });
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[1];
    }

    private static ModelInput LatencyInput(LanguageModel model)
    {
        var rng = new Random(7);
        int n = Math.Min(32, model.MaxPositions ?? 32);
        var ids = Enumerable.Range(0, 4 * n).Select(_ => rng.Next(model.VocabSize)).ToArray(); // [4, n]
        var tokens = new TokenBatch(4, n, ids);
        return model.Kind == ModelKind.Seq2SeqLM ? new ModelInput(tokens, Decoder: tokens) : new ModelInput(tokens);
    }
}
