using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>
/// N:M semi-structured magnitude pruning (2:4, 4:8): of every M consecutive inputs of each output row the N of largest |w|
/// stay (ties to the lower index). Stored packed (<see cref="NMWeight"/>); sparsity is exactly 1 − N/M.
/// </summary>
public sealed class NMPruningEstimator : PruningEstimator
{
    /// <summary>Options of N:M pruning. <see cref="PruningOptions.Sparsity"/> is ignored: it is 1 − N/M.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Weights kept per group. Default 2.</summary>
        public int N { get; set; } = 2;

        /// <summary>Group width. Default 4 (2:4, the pattern sparse tensor cores run).</summary>
        public int M { get; set; } = 4;
    }

    private readonly Options _options;

    public NMPruningEstimator(CompressionContext context, Options options) : base(context, options, "nm")
    {
        if (options.N <= 0 || options.M < options.N || options.M > 255) throw new ArgumentOutOfRangeException(nameof(options), $"{options.N}:{options.M} is not a valid N:M pattern (0 < N <= M <= 255).");
        if (options.Plan is not null) throw new ArgumentException("N:M pruning has one sparsity, 1 - N/M; a sparsity plan does not apply.");
        _options = options;
    }

    protected override IEnumerable<KeyValuePair<string, string>> Details() => [new("n", _options.N.ToString()), new("m", _options.M.ToString())];

    protected override void Prune(PruningJob job)
    {
        foreach (var (layer, _) in job.Targets)
        {
            if (layer.InFeatures % _options.M != 0)
                throw new ArgumentException($"{layer.Name}: {_options.N}:{_options.M} sparsity needs the input width {layer.InFeatures} to be a multiple of {_options.M}.");
            var w = layer.Weight.ToDense().ReadOnlySpan.ToArray(); // [out·in], a copy
            var score = new float[w.Length];
            for (int i = 0; i < w.Length; i++) score[i] = MathF.Abs(w[i]);
            var prune = new bool[w.Length];
            MaskSelection.MarkNM(score, layer.InFeatures, _options.N, _options.M, prune);
            MaskSelection.Apply(w, prune);
            job.Install(layer, new Tensor(w, layer.OutFeatures, layer.InFeatures), 1.0 - (double)_options.N / _options.M, _options.N, _options.M);
        }
    }
}
