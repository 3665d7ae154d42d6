using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// A compression stage before it has seen a model, shaped like ML.NET's IEstimator: Fit learns what to do from the model
/// (and calibration text where the method needs it) and returns a transformer holding the compressed model.
/// Fit never changes the model it is given: it works on <see cref="LanguageModel.Clone"/>, which shares unchanged weights.
/// </summary>
public interface IModelEstimator<out TTransformer> where TTransformer : ModelTransformer
{
    TTransformer Fit(LanguageModel model, CalibrationData? calibration = null);
}

/// <summary>What a stage did to one layer: reported by `info`, saved in the manifest.</summary>
public sealed record LayerChange(string Layer, string Stage, string Method)
{
    /// <summary>Fraction of zero weights after the stage, where it prunes.</summary>
    public double? Sparsity { get; init; }
    /// <summary>Bits per weight after the stage, where it quantizes.</summary>
    public int? Bits { get; init; }
    /// <summary>Method parameters worth recording (group size, scope, N:M, damping, ...).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A fitted stage: holds the compressed model, runs it (Transform), and saves it. Shaped like ML.NET's ITransformer.
/// </summary>
public class ModelTransformer
{
    public ModelTransformer(LanguageModel model, IReadOnlyList<LayerChange> changes)
    {
        Model = model;
        Changes = changes;
    }

    /// <summary>The compressed model.</summary>
    public LanguageModel Model { get; }

    /// <summary>What this stage (or chain) did, layer by layer.</summary>
    public IReadOnlyList<LayerChange> Changes { get; }

    public ModelOutput Transform(ModelInput input, ForwardOptions? options = null) => Model.Forward(input, options);

    /// <summary>
    /// Writes the compressed model as a folder (docs/FORMATS.md) that <see cref="CompressedModel.Load"/>,
    /// <see cref="ModelLoader.Load"/> and every CLI command read; the source is the folder the model was loaded from.
    /// </summary>
    public CompressedModelManifest Save(string path, CompressedModel.SaveOptions? options = null) => CompressedModel.Save(this, path, options);
}

/// <summary>Stages run in order, each fitted on the model the previous one produced (prune, then quantize, as the study did).</summary>
public sealed class EstimatorChain : IModelEstimator<ModelTransformer>
{
    private readonly IReadOnlyList<IModelEstimator<ModelTransformer>> _stages;

    public EstimatorChain(IEnumerable<IModelEstimator<ModelTransformer>> stages) => _stages = stages.ToList();

    public IReadOnlyList<IModelEstimator<ModelTransformer>> Stages => _stages;

    public EstimatorChain Append(IModelEstimator<ModelTransformer> next) => new([.. _stages, next]);

    public ModelTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
    {
        var current = model;
        var changes = new List<LayerChange>();
        foreach (var stage in _stages)
        {
            var fitted = stage.Fit(current, calibration);
            current = fitted.Model;
            changes.AddRange(fitted.Changes);
        }
        return new ModelTransformer(current, changes);
    }
}

public static class EstimatorExtensions
{
    /// <summary>Chains <paramref name="next"/> after <paramref name="first"/>, as ML.NET's Append.</summary>
    public static EstimatorChain Append(this IModelEstimator<ModelTransformer> first, IModelEstimator<ModelTransformer> next)
        => first is EstimatorChain chain ? chain.Append(next) : new EstimatorChain([first, next]);
}
