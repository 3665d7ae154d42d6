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

    /// <summary>
    /// What Fit would do to <paramref name="model"/>, layer by layer, without doing it (ML.NET's GetOutputSchema): the layers
    /// chosen, with the target sparsity or bits. Bad options and plans naming layers the model lacks fail here, before any
    /// calibration or compression work. Null where a stage cannot say in advance.
    /// </summary>
    IReadOnlyList<LayerChange>? Preview(LanguageModel model) => null;
}
