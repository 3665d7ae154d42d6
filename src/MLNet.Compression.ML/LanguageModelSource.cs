using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.ML;

/// <summary>
/// The model a featurizer runs: a model at hand (a <see cref="LanguageModel"/> converts implicitly), or the model a
/// <see cref="CompressionEstimator"/> of the same pipeline produces (<see cref="CompressionEstimator.CompressedModel"/>),
/// which exists only once that estimator is fitted. ML.NET's chain fits its estimators in order, so a featurizer appended
/// after Compress finds the compressed model when its own Fit runs.
/// </summary>
public sealed class LanguageModelSource
{
    private readonly LanguageModel _planned;
    private (LanguageModel Model, IReadOnlyList<LayerChange> Changes)? _fitted;
    private readonly string? _producer;

    private LanguageModelSource(LanguageModel planned, (LanguageModel, IReadOnlyList<LayerChange>)? fitted, string? producer)
    {
        _planned = planned;
        _fitted = fitted;
        _producer = producer;
    }

    /// <summary>A model at hand.</summary>
    public static implicit operator LanguageModelSource(LanguageModel model)
        => new(model ?? throw new ArgumentNullException(nameof(model)), (model, []), null);

    /// <summary>The output of an estimator that will compress <paramref name="input"/>.</summary>
    internal static LanguageModelSource Pending(LanguageModel input, string producer) => new(input, null, producer);

    /// <summary>The model, or null while the estimator that produces it has not been fitted.</summary>
    public LanguageModel? Model => _fitted?.Model;

    /// <summary>
    /// The model before Fit, for what compression keeps (kind, hidden size): the model itself, or the input of the
    /// estimator that will produce it. Schema propagation runs before any Fit, so output sizes come from here.
    /// </summary>
    internal LanguageModel Planned => _fitted?.Model ?? _planned;

    internal void Complete(LanguageModel model, IReadOnlyList<LayerChange> changes) => _fitted = (model, changes);

    /// <summary>The model and its changes at Fit time; an error when its producer has not been fitted.</summary>
    internal (LanguageModel Model, IReadOnlyList<LayerChange> Changes) Resolve(string stage)
        => _fitted ?? throw new InvalidOperationException($"{stage}: its model is the output of {_producer}, which has not been fitted; append {stage} after that estimator in the same pipeline.");
}
