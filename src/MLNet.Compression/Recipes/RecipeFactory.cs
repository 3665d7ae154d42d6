using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.Recipes;

/// <summary>Builds the estimator of one recipe stage; <paramref name="groups"/> is the parsed <see cref="RecipeStage.Groups"/>.</summary>
public delegate IModelEstimator<ModelTransformer> RecipeFactory(CompressionContext context, RecipeStage stage, ModuleGroup groups);
