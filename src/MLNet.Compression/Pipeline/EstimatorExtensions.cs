namespace MLNet.Compression.Pipeline;

public static class EstimatorExtensions
{
    /// <summary>Chains <paramref name="next"/> after <paramref name="first"/>, as ML.NET's Append; chains are extended, not nested.</summary>
    public static EstimatorChain<TNext> Append<TNext>(this IModelEstimator<ModelTransformer> first, IModelEstimator<TNext> next)
        where TNext : ModelTransformer
        => new([.. StagesOf(first), .. StagesOf(next)]);

    internal static IEnumerable<IModelEstimator<ModelTransformer>> StagesOf(IModelEstimator<ModelTransformer> estimator)
        => estimator is IEstimatorChain chain ? chain.Stages : [estimator];
}
