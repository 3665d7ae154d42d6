using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Recipes;

/// <summary>Builds the estimator of one recipe stage; <paramref name="groups"/> is the parsed <see cref="RecipeStage.Groups"/>.</summary>
public delegate IModelEstimator<ModelTransformer> RecipeFactory(CompressionContext context, RecipeStage stage, ModuleGroup groups);
