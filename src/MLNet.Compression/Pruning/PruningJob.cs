using System.Globalization;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>One Fit call's working state, handed to <see cref="PruningEstimator.Prune"/>.</summary>
public sealed class PruningJob
{
    private readonly PruningEstimator _owner;

    internal PruningJob(LanguageModel model, IReadOnlyList<(Linear Layer, double Sparsity)> targets, CalibrationData? calibration, Random random, PruningEstimator owner)
    {
        Model = model;
        Targets = targets;
        Calibration = calibration;
        Random = random;
        _owner = owner;
    }

    /// <summary>The clone being pruned.</summary>
    public LanguageModel Model { get; }

    /// <summary>Layers to prune with their target sparsity, in checkpoint order.</summary>
    public IReadOnlyList<(Linear Layer, double Sparsity)> Targets { get; }

    public CalibrationData? Calibration { get; }

    /// <summary>Seeded from the context: repeatable random choices.</summary>
    public Random Random { get; }

    internal List<(LayerChange Change, long Zeros, long Total)> Changes { get; } = new();

    /// <summary>
    /// Replaces <paramref name="layer"/>'s weight by <paramref name="pruned"/> [out, in] stored as the options ask
    /// (N:M packed when <paramref name="m"/> &gt; 0) and records the change with its achieved sparsity.
    /// </summary>
    public void Install(Linear layer, Tensor pruned, double target, int n = 0, int m = 0, IEnumerable<KeyValuePair<string, string>>? extra = null)
        => Install(layer, pruned, target, pruned.Length, n, m, extra);

    /// <summary>
    /// As <see cref="Install(Linear, Tensor, double, int, int, IEnumerable{KeyValuePair{string, string}})"/> for a weight that
    /// may be smaller than the layer's was (heads or neurons removed): the reported sparsity counts the removed weights
    /// as pruned, out of <paramref name="originalCount"/>.
    /// </summary>
    public void Install(Linear layer, Tensor pruned, double target, long originalCount, int n = 0, int m = 0, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        layer.Weight = _owner.Store(pruned, n, m);
        long zeros = originalCount - pruned.Length;
        foreach (float v in pruned.ReadOnlySpan) if (v == 0f) zeros++;
        var details = new Dictionary<string, string>
        {
            ["target_sparsity"] = target.ToString("0.######", CultureInfo.InvariantCulture),
            ["format"] = layer.Weight.Format,
        };
        foreach (var (k, v) in _owner.DetailsFor()) details[k] = v;
        if (extra is not null) foreach (var (k, v) in extra) details[k] = v;
        Changes.Add((new LayerChange(layer.Name, "prune", _owner.Method) { Sparsity = (double)zeros / originalCount, Details = details }, zeros, originalCount));
    }
}
