using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Recipes;

/// <summary>A recipe checked against its model and data, ready to fit: what <see cref="RecipeRunner.Prepare"/> returns.</summary>
public sealed record PreparedRecipe(Recipe Recipe, string ModelPath, string Output, LanguageModel Model,
    IModelEstimator<ModelTransformer> Chain, CalibrationData? Calibration);
