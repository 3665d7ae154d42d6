using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

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
        Settings = options;
        Method = method;
        if (options.Plan is null) MaskSelection.CountToPrune(options.Sparsity, 0); // validates the range
    }

    public CompressionContext Context { get; }

    /// <summary>The method name recorded in <see cref="LayerChange.Method"/>.</summary>
    public string Method { get; }

    /// <summary>The options this estimator was built with.</summary>
    public PruningOptions Settings { get; }

    /// <summary>True when the method needs calibration text (Wanda, SparseGPT, OWL).</summary>
    protected virtual bool NeedsCalibration => false;

    public PruningTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
    {
        if (NeedsCalibration && calibration is null)
            throw new ArgumentException($"{Method} pruning needs calibration data (CalibrationData.FromSequences over tokenized text).");
        var clone = model.Clone();
        var targets = Targets(clone);
        var job = new PruningJob(clone, targets, calibration, Context.CreateRandom(), this);
        Prune(job);
        long zeros = job.Changes.Sum(c => c.Zeros), total = job.Changes.Sum(c => c.Total);
        return new PruningTransformer(clone, job.Changes.Select(c => c.Change).ToList(), total == 0 ? 0 : (double)zeros / total);
    }

    /// <summary>The layers Fit would prune with their target sparsity; a plan naming a layer the model lacks fails here.</summary>
    public IReadOnlyList<LayerChange> Preview(LanguageModel model)
        => Targets(model).Select(t => new LayerChange(t.Layer.Name, "prune", Method) { Sparsity = t.Sparsity, Details = PreviewDetails() }).ToList();

    private IReadOnlyList<(Linear Layer, double Sparsity)> Targets(LanguageModel model)
        => Settings.Plan is { } plan
            ? plan.Resolve(model)
            : Settings.Groups.Select(model).Distinct().Select(l => (l, Settings.Sparsity)).ToList();

    private Dictionary<string, string> PreviewDetails()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in Details()) d[k] = v;
        return d;
    }

    /// <summary>Computes the pruned weights of <see cref="PruningJob.Targets"/> and installs each with PruningJob.Install.</summary>
    protected abstract void Prune(PruningJob job);

    /// <summary>Method parameters for the manifest (scope, N:M, damping, ...).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Details() => [];

    internal IWeight Store(Tensor pruned, int n, int m)
    {
        if (Settings.Storage == SparseStorage.Dense) return new DenseWeight(pruned);
        IWeight? sparse = null;
        if (m > 0) sparse = NMWeight.FromDense(pruned, n, m);
        else if (Sparsity(pruned.ReadOnlySpan) >= Settings.CsrMinSparsity && CsrWeight.Supports(pruned.Dim(1))) sparse = CsrWeight.FromDense(pruned);
        // A sparse form must never make a layer larger than dense: pruning is reported and stored as a saving.
        return sparse is not null && sparse.StorageBytes < (long)pruned.Length * sizeof(float) ? sparse : new DenseWeight(pruned);
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
