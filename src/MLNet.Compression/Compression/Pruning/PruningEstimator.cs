using System.Globalization;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Compression.Pruning;

/// <summary>Options every pruning method shares.</summary>
public class PruningOptions
{
    /// <summary>Fraction of the chosen weights to zero. Default 0.5.</summary>
    public double Sparsity { get; set; } = 0.5;

    /// <summary>Which linear layers to prune. Default <see cref="ModuleGroup.All"/> (every layer but the LM head).</summary>
    public ModuleGroup Groups { get; set; } = ModuleGroup.All;

    /// <summary>Per-layer sparsities; when set, exactly its layers are pruned and <see cref="Groups"/>/<see cref="Sparsity"/> are ignored. Default none.</summary>
    public SparsityPlan? Plan { get; set; }

    /// <summary>How pruned weights are stored. Default <see cref="SparseStorage.Auto"/>.</summary>
    public SparseStorage Storage { get; set; } = SparseStorage.Auto;

    /// <summary>
    /// With <see cref="SparseStorage.Auto"/>, the sparsity from which an unstructured layer is stored as CSR rather than
    /// dense with zeros. Default 0.6: measured with `-- sparse` (benchmarks/SparseBench.cs), CSR multiplies a
    /// 768→3072 layer over 1024 tokens faster than the AVX-512 dense GEMM only from about there on.
    /// </summary>
    public double CsrMinSparsity { get; set; } = 0.6;
}

/// <summary>How a pruned layer holds its weight.</summary>
public enum SparseStorage
{
    /// <summary>N:M packed for N:M masks, CSR for unstructured masks above <see cref="PruningOptions.CsrMinSparsity"/>, else dense with zeros.</summary>
    Auto,
    /// <summary>Always dense float32 with zeros (the study's masking; same numbers, no speed or size gain).</summary>
    Dense,
}

/// <summary>A fitted pruning stage: the pruned model and what was done, layer by layer.</summary>
public sealed class PruningTransformer : ModelTransformer
{
    public PruningTransformer(LanguageModel model, IReadOnlyList<LayerChange> changes, double overallSparsity)
        : base(model, changes) => OverallSparsity = overallSparsity;

    /// <summary>Zero weights over all pruned layers divided by their weight count.</summary>
    public double OverallSparsity { get; }
}

/// <summary>
/// The shared shape of every pruner: Fit clones the model (the input is never changed), resolves the target layers
/// (a <see cref="SparsityPlan"/> or <see cref="PruningOptions.Groups"/> at one sparsity), lets the method compute new
/// weights, and stores each in the form that pays (<see cref="SparseStorage"/>).
/// </summary>
public abstract class PruningEstimator : IModelEstimator<PruningTransformer>
{
    protected PruningEstimator(CompressionContext context, PruningOptions options, string method)
    {
        Context = context;
        BaseOptions = options;
        Method = method;
        if (options.Plan is null) MaskSelection.CountToPrune(options.Sparsity, 0); // validates the range
    }

    public CompressionContext Context { get; }

    /// <summary>The method name recorded in <see cref="LayerChange.Method"/>.</summary>
    public string Method { get; }

    protected PruningOptions BaseOptions { get; }

    /// <summary>True when the method needs calibration text (Wanda, SparseGPT, OWL).</summary>
    protected virtual bool NeedsCalibration => false;

    public PruningTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
    {
        if (NeedsCalibration && calibration is null)
            throw new ArgumentException($"{Method} pruning needs calibration data (CalibrationData.FromSequences over tokenized text).");
        var clone = model.Clone();
        var targets = BaseOptions.Plan is { } plan
            ? plan.Resolve(clone)
            : BaseOptions.Groups.Select(clone).Distinct().Select(l => (l, BaseOptions.Sparsity)).ToList();
        var job = new PruningJob(clone, targets, calibration, Context.CreateRandom(), this);
        Prune(job);
        long zeros = job.Changes.Sum(c => c.Zeros), total = job.Changes.Sum(c => c.Total);
        return new PruningTransformer(clone, job.Changes.Select(c => c.Change).ToList(), total == 0 ? 0 : (double)zeros / total);
    }

    /// <summary>Computes the pruned weights of <see cref="PruningJob.Targets"/> and installs each with PruningJob.Install.</summary>
    protected abstract void Prune(PruningJob job);

    /// <summary>Method parameters for the manifest (scope, N:M, damping, ...).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Details() => [];

    internal IWeight Store(Tensor pruned, int n, int m)
    {
        if (BaseOptions.Storage == SparseStorage.Dense) return new DenseWeight(pruned);
        if (m > 0) return NMWeight.FromDense(pruned, n, m);
        double sparsity = Sparsity(pruned.ReadOnlySpan);
        return sparsity >= BaseOptions.CsrMinSparsity && CsrWeight.Supports(pruned.Dim(1)) ? CsrWeight.FromDense(pruned) : new DenseWeight(pruned);
    }

    internal IEnumerable<KeyValuePair<string, string>> DetailsFor() => Details();

    /// <summary>Fraction of exact zeros.</summary>
    public static double Sparsity(ReadOnlySpan<float> w)
    {
        long zeros = 0;
        foreach (float v in w) if (v == 0f) zeros++;
        return w.Length == 0 ? 0 : (double)zeros / w.Length;
    }
}

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
