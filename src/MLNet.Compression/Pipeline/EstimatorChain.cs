using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// Stages run in order, each fitted on the model the previous one produced (prune, then quantize, as the study did); shaped
/// like ML.NET's <c>EstimatorChain&lt;TLastTransformer&gt;</c>. Fit returns a <see cref="TransformerChain{TLast}"/> that keeps
/// every stage's own transformer.
/// </summary>
public sealed class EstimatorChain<TLast> : IModelEstimator<TransformerChain<TLast>>, IEstimatorChain where TLast : ModelTransformer
{
    private readonly IModelEstimator<ModelTransformer>[] _stages;

    /// <summary>A chain of <paramref name="stages"/>; the last one must produce a <typeparamref name="TLast"/>.</summary>
    public EstimatorChain(IEnumerable<IModelEstimator<ModelTransformer>> stages)
    {
        _stages = stages.ToArray();
        if (_stages.Length == 0) throw new ArgumentException("an estimator chain needs at least one stage.", nameof(stages));
        if (_stages[^1] is not IModelEstimator<TLast>)
            throw new ArgumentException($"the last stage ({_stages[^1].GetType().Name}) does not produce a {typeof(TLast).Name}.", nameof(stages));
    }

    public IReadOnlyList<IModelEstimator<ModelTransformer>> Stages => _stages;

    /// <summary>The last stage, typed.</summary>
    public IModelEstimator<TLast> LastEstimator => (IModelEstimator<TLast>)_stages[^1];

    /// <summary>This chain followed by <paramref name="next"/>.</summary>
    public EstimatorChain<TNext> Append<TNext>(IModelEstimator<TNext> next) where TNext : ModelTransformer
        => new([.. _stages, .. EstimatorExtensions.StagesOf(next)]);

    public TransformerChain<TLast> Fit(LanguageModel model, CalibrationData? calibration = null)
    {
        var current = model;
        var fitted = new List<ModelTransformer>(_stages.Length);
        foreach (var stage in _stages)
        {
            // A recovery stage trains the model so far against the chain's own input, the model before any compression.
            var t = stage is IChainSourceEstimator needsSource ? needsSource.Fit(current, model, calibration) : stage.Fit(current, calibration);
            fitted.Add(t);
            current = t.Model;
        }
        return new TransformerChain<TLast>(fitted);
    }

    /// <summary>Every stage's preview on <paramref name="model"/>, in order; null when a stage cannot preview.</summary>
    public IReadOnlyList<LayerChange>? Preview(LanguageModel model)
    {
        var all = new List<LayerChange>();
        foreach (var stage in _stages)
        {
            if (stage.Preview(model) is not { } changes) return null;
            all.AddRange(changes);
        }
        return all;
    }
}
