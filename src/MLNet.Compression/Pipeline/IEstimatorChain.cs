namespace MLNet.Compression.Pipeline;

/// <summary>A chain's stages, whatever its last transformer type: lets <see cref="EstimatorExtensions.Append"/> extend a chain instead of nesting it.</summary>
public interface IEstimatorChain
{
    IReadOnlyList<IModelEstimator<ModelTransformer>> Stages { get; }
}
