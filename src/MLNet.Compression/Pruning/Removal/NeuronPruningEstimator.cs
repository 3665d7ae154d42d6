using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

/// <summary>
/// FFN neurons removed for real: a removed neuron's row leaves the up (and gate) projection with its bias entry, and its
/// column leaves the down projection, so the FFN is narrower. The result equals zeroing those columns of the down
/// projection. Neurons are ranked per FFN by the L2 norm of their weights (up/gate rows and down column together);
/// <see cref="PruningOptions.Sparsity"/> is the fraction removed (default 0.5). Works for every family: FFN widths come
/// from the weights.
/// </summary>
public sealed class NeuronPruningEstimator : PruningEstimator
{
    /// <summary>Options of neuron removal (the shared ones; <see cref="PruningOptions.Groups"/> picks the FFNs by their down projection or up projection).</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Defaults to the feed-forward layers (<see cref="ModuleGroup.Ffn"/>).</summary>
        public Options() => Groups = ModuleGroup.Ffn;
    }

    public NeuronPruningEstimator(CompressionContext context, Options options) : base(context, options, "neurons")
    {
        if (options.Plan is not null) throw new ArgumentException("neuron removal takes a fraction of neurons, not a sparsity plan.");
    }

    protected override void Prune(PruningJob job)
    {
        var chosen = new HashSet<Linear>(job.Targets.Select(t => t.Layer));
        foreach (var block in job.Model.Linears.Distinct().GroupBy(OwlPruningEstimator.BlockOf))
        {
            var ups = block.Where(l => l.Role is LayerRole.FfnUp or LayerRole.FfnGate).ToList();
            var downs = block.Where(l => l.Role == LayerRole.FfnDown).ToList();
            if (downs.Count != 1 || ups.Count == 0 || !ups.Append(downs[0]).Any(chosen.Contains)) continue;
            var down = downs[0];
            int width = down.InFeatures;
            if (ups.Any(u => u.OutFeatures != width))
                throw new NotSupportedException($"{down.Name}: the FFN's up projections do not match its {width} inputs.");
            var score = new float[width]; // [neurons]
            foreach (var up in ups)
            {
                var w = up.Weight.ToDense().ReadOnlySpan;
                for (int n = 0; n < width; n++) foreach (float x in w.Slice(n * up.InFeatures, up.InFeatures)) score[n] += x * x;
            }
            var wd = down.Weight.ToDense().ReadOnlySpan;
            for (int r = 0; r < down.OutFeatures; r++)
                for (int n = 0; n < width; n++) score[n] += wd[r * width + n] * wd[r * width + n];
            double fraction = job.Targets.First(t => t.Layer == down || ups.Contains(t.Layer)).Sparsity;
            var prune = new bool[width];
            MaskSelection.MarkSmallest(score, MaskSelection.CountToPrune(fraction, width), prune);
            var keep = Enumerable.Range(0, width).Where(n => !prune[n]).ToArray();
            if (keep.Length == 0) throw new ArgumentException($"{down.Name}: removing every neuron would leave an empty FFN.");
            if (keep.Length == width) continue;
            var extra = new KeyValuePair<string, string>[] { new("neurons", $"{keep.Length}/{width}"), new("removed_neurons", string.Join(",", Enumerable.Range(0, width).Where(n => prune[n]))) };
            foreach (var up in ups) HeadPruningEstimator.KeepRows(job, up, keep, fraction, extra);
            HeadPruningEstimator.KeepColumns(job, down, keep, fraction, extra);
        }
    }

    /// <summary>Neurons are removed whole, so no row of the result is zero; the stored form is dense.</summary>
    protected override IEnumerable<KeyValuePair<string, string>> Details() => [new("structure", "ffn_neurons")];
}
