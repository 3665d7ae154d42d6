using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Recipes;

/// <summary>What running a recipe produced: the fitted chain, the manifest written, and the source model's size.</summary>
public sealed record RecipeResult(ModelTransformer Fitted, CompressedModelManifest Manifest, long SourceBytes);
