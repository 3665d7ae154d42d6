using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// A stage that also needs the model its chain started from, as recovery training needs the dense model the stages before
/// it compressed (prune → recover → quantize). <see cref="EstimatorChain{TLast}"/> calls this Fit instead of
/// <see cref="IModelEstimator{TTransformer}.Fit"/>; fitted alone, such a stage needs its reference given in its options.
/// </summary>
public interface IChainSourceEstimator
{
    /// <param name="model">the model the previous stage produced</param>
    /// <param name="source">the model the chain was fitted on, unchanged</param>
    ModelTransformer Fit(LanguageModel model, LanguageModel source, CalibrationData? calibration = null);
}
