using System.Diagnostics;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Trials;

namespace MLNet.Compression.AutoSearch.Sensitivity;

/// <summary>
/// Measures each unit's sensitivity once, and turns it into the sensitivity-guided start: the allocation of settings to
/// units that keeps the predicted loss increase least within the size budget, solved as a multiple-choice knapsack. The
/// sum of per-unit increases is the usual additive approximation (HAWQ, Dong et al. 2019/2020; Yao et al. 2021, HAWQ-V3),
/// measured here directly rather than estimated from the Hessian trace.
/// Probes: every bit-width of the space with the cheapest quantizer of the space (rtn when present: its error bounds GPTQ's),
/// and sparsities 0.5, 0.7, 0.9 and the space's maximum with magnitude pruning (or the space's first pruner).
/// </summary>
public sealed class SensitivityAnalysis(SearchDataset data, CompressionSpace space, CompressionTrialRunner runner)
{
    /// <summary>The probe settings of every unit (the first is dense float32, delta 0).</summary>
    public IReadOnlyList<LayerSetting> ProbeSettings()
    {
        var o = space.Options;
        string quantizer = o.Quantizers.Contains("rtn") ? "rtn" : o.Quantizers[0];
        string pruner = o.Pruners.Contains("magnitude") ? "magnitude" : o.Pruners[0];
        int groupSize = o.GroupSizes[0];
        var list = new List<LayerSetting> { LayerSetting.None with { Pruner = pruner, Quantizer = quantizer, GroupSize = groupSize } };
        foreach (var b in o.Bits.Where(b => b != "none"))
        {
            int bits = int.Parse(b, System.Globalization.CultureInfo.InvariantCulture);
            list.Add(new LayerSetting(0, pruner, bits, quantizer == "dynamic-int8" && bits < 8 ? "rtn" : quantizer, groupSize));
        }
        if (pruner != "nm")
            foreach (double s in new[] { 0.5, 0.7, 0.9, o.MaxSparsity }.Where(s => s >= o.MinSparsity && s <= o.MaxSparsity && s > 0).Distinct())
                list.Add(new LayerSetting(s, pruner, null, quantizer, groupSize));
        else if (o.MaxSparsity >= 0.5) list.Add(new LayerSetting(0.5, "nm", null, quantizer, groupSize));
        return list;
    }

    /// <summary>
    /// The setting every other unit holds while one unit is probed: the uniform plan with the most bits (rtn, the space's
    /// first group size) whose predicted size fits <paramref name="searchedLimit"/>, or dense float32 when none fits or
    /// there is no limit. Probing in this context measures what a unit costs or saves around the plan the allocation
    /// starts from; probing each unit with all others dense misses how errors compound: on the demo's models a
    /// 95%-sparse feed-forward layer costs little alone and much beside 2-bit neighbours.
    /// </summary>
    public LayerSetting Context(long searchedLimit)
    {
        if (searchedLimit == long.MaxValue) return ProbeSettings()[0];
        var fitting = ProbeSettings().Where(s => s.Bits is not null && s.Sparsity == 0)
            .Where(s => space.Plan(space.Uniform(s)).SearchedBytes <= searchedLimit).OrderByDescending(s => s.Bits).FirstOrDefault();
        return fitting ?? ProbeSettings()[0];
    }

    /// <summary>
    /// Probes every unit at every setting on <paramref name="fraction"/> of the search split, the other units held at
    /// <paramref name="context"/> (see <see cref="Context"/>): each probe's delta is the proxy loss of that plan minus the
    /// proxy loss of the uniform context plan.
    /// </summary>
    /// <param name="progress">(probes done, probes in all)</param>
    public SensitivityTable Measure(double fraction, KnowledgeMetric metric, LayerSetting context, Action<int, int>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var scorer = new ModelScorer(data);
        // The embedding cosine is its own proxy: 1 − the mean cosine to dense over the share's texts is already smooth (every
        // weight moves every vector a little), and calibration KL would need an LM head a bare encoder does not have.
        // Otherwise, with calibration text: KL from dense on it (CalibrationKl), thousands of positions over the whole
        // vocabulary. Without: the gold log-probability of every fact of the search share. Not the known facts only, also
        // for retained knowledge: one layer's change moves the few known facts' log-probabilities by less than their spread.
        bool cosine = metric == KnowledgeMetric.EmbeddingCosine;
        var calibrationKl = cosine ? null : CalibrationKl.Create(data);
        double Measured(CompressionPlan plan)
        {
            var model = runner.Compress(plan);
            if (cosine) return 1 - (scorer.Score(model, SplitPart.Search, fraction, bias: false, probeFacts: false).EmbeddingCosine ?? double.NaN);
            return calibrationKl?.Measure(model) ?? scorer.Score(model, SplitPart.Search, fraction, bias: false).FactNll;
        }
        double baseValue = Measured(space.Plan(space.Uniform(context)));
        var settings = ProbeSettings();
        int total = space.Units.Count * settings.Count(s => s != context), done = 0;
        var units = new List<UnitSensitivity>();
        foreach (var unit in space.Units)
        {
            var probes = new List<ProbeResult>();
            foreach (var setting in settings)
            {
                if (setting == context) { probes.Add(Probe(unit, setting, 0)); continue; }
                cancellation.ThrowIfCancellationRequested();
                double delta = Measured(space.Plan(space.Point(u => u == unit ? setting : context, context))) - baseValue;
                probes.Add(Probe(unit, setting, double.IsFinite(delta) ? delta : double.MaxValue / 1e6));
                progress?.Invoke(++done, total);
            }
            units.Add(new UnitSensitivity(unit.Name, probes));
        }
        return new SensitivityTable
        {
            Proxy = cosine ? "embedding_cosine" : calibrationKl is not null ? "calibration_kl" : "fact_nll", Base = baseValue, Fraction = fraction,
            Context = context.Label, Units = units, Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    private ProbeResult Probe(PlanUnit unit, LayerSetting s, double delta)
        => new(s.Label, s.Sparsity, s.Bits, unit.Layers.Sum(l => LayerBytes.Of(space.Layers[l], s)), delta);

    /// <summary>
    /// The allocation with the least predicted loss increase whose predicted bytes fit <paramref name="searchedLimit"/>, as a
    /// point of the space with the plan-wide choices of <paramref name="global"/>; null when nothing fits.
    /// </summary>
    public Parameters? Allocate(SensitivityTable table, long searchedLimit, LayerSetting global)
    {
        // Only settings the space allows: without "none" among the bit-widths every unit must be quantized. When the space
        // has bit-widths, the start allocates bit-widths only: a pruned float layer is stored larger than a 2-bit one at
        // every sparsity below about 95%, and at 95% it loses far more (uniform 95% sparsity keeps about 1% of the demo
        // models' known facts where uniform 2-bit keeps over 80%); one layer's probe misses how that damage compounds.
        // The tuners still explore sparsity.
        bool floatAllowed = space.Options.Bits.Contains("none");
        bool bitsOnly = space.Options.Bits.Any(b => b != "none");
        var allowed = table.Units.Select(u => u.Probes.Select((p, i) => (p, i))
            .Where(x => (x.p.Bits is not null || floatAllowed) && !(bitsOnly && x.p.Sparsity > 0)).Select(x => x.i).ToList()).ToList();
        var costs = table.Units.Select((u, k) => (IReadOnlyList<long>)allowed[k].Select(i => u.Probes[i].Bytes).ToList()).ToList();
        var values = table.Units.Select((u, k) => (IReadOnlyList<double>)allowed[k].Select(i => u.Probes[i].Delta).ToList()).ToList();
        var pick = MultipleChoiceKnapsack.Solve(costs, values, searchedLimit);
        if (pick is null) return null;
        var byUnit = space.Units.Select((u, i) => (u, i)).ToDictionary(x => x.u.Name, x => x.i);
        return space.Point(u =>
        {
            int k = byUnit[u.Name];
            var p = table.Units[k].Probes[allowed[k][pick[k]]];
            return new LayerSetting(p.Sparsity, global.Pruner, p.Bits, global.Quantizer, global.GroupSize);
        }, global);
    }
}
