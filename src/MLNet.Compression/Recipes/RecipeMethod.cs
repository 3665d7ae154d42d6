namespace MLNet.Compression.Recipes;

/// <summary>
/// A method a recipe, `prune` or `quantize` can name.
/// </summary>
/// <param name="Stage">"prune" or "quantize"</param>
/// <param name="Name">the name on the command line and in recipes ("magnitude", "dynamic-int8", ...)</param>
/// <param name="Estimator">the catalog method it calls, for messages ("ctx.Pruning.Magnitude")</param>
/// <param name="Accepts">the stage fields it takes besides stage, method and groups (see <see cref="RecipeStage"/>)</param>
/// <param name="NeedsCalibration">true when it runs calibration text through the model (Wanda, SparseGPT, OWL, GPTQ)</param>
/// <param name="Factory">null while the estimator is not part of this build</param>
public sealed record RecipeMethod(string Stage, string Name, string Estimator, IReadOnlyList<string> Accepts, bool NeedsCalibration, RecipeFactory? Factory)
{
    public bool Available => Factory is not null;
}
