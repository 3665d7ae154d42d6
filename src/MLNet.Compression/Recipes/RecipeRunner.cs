using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Recipes;

/// <summary>
/// Runs a recipe end to end, as the `prune`, `quantize` and `compress` commands do: validate everything that can be
/// checked before the model is loaded, load it, check plans and groups against its layers, preview the chain, read calibration text,
/// fit the chain, and save the compressed folder with the source's hash.
/// </summary>
public static class RecipeRunner
{
    /// <param name="recipe">the stages</param>
    /// <param name="modelPath">the model folder (Hugging Face, compressed, or llama2.c)</param>
    /// <param name="output">the compressed folder to write</param>
    /// <param name="where">how messages name the recipe ("recipe.json", or "prune" for a command line)</param>
    /// <param name="progress">receives a line per step</param>
    public static RecipeResult Run(Recipe recipe, string modelPath, string output, string where, Action<string>? progress = null)
    {
        var prepared = Prepare(recipe, modelPath, output, where, progress);
        return Save(prepared, Fit(prepared, progress), progress);
    }

    /// <summary>
    /// Everything that reads or checks what the user gave, before any compression work: the recipe, the model, plans and
    /// groups against its layers, the chain's preview, the calibration text, and the output folder. Every problem it reports
    /// is the user's input (ArgumentException, InvalidDataException, IOException with the file or field named).
    /// </summary>
    public static PreparedRecipe Prepare(Recipe recipe, string modelPath, string output, string where, Action<string>? progress = null)
    {
        var methods = recipe.Validate(where);
        var factories = methods.Select((m, i) => RecipeMethods.FactoryOf(m, recipe.FromCommandLine ? $"{where}: --method" : $"{where}: stages[{i}].method")).ToList();
        CompressedModel.CheckOutput(modelPath, output);

        progress?.Invoke($"loading {modelPath}");
        var model = ModelLoader.Load(modelPath);
        var names = model.Linears.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var groups = new List<ModuleGroup>();
        for (int i = 0; i < recipe.Stages.Count; i++)
        {
            var stage = recipe.Stages[i];
            foreach (var layer in stage.Plan?.Keys ?? [])
                if (!names.Contains(layer))
                    throw new ArgumentException($"{stage.PlanSource}: '{layer}' is not a linear layer of this {model.ModelType} model (layers are named like \"{model.Linears[0].Name}\").");
            var group = ModuleGroup.Parse(stage.Groups);
            try { group.Select(model); }
            catch (ArgumentException e) { throw new ArgumentException($"{recipe.StageLabel(where, i)}{(recipe.FromCommandLine ? ": --groups" : ".groups")}: {e.Message}"); }
            groups.Add(group);
        }

        string tokenizerFolder = File.Exists(modelPath) ? Path.GetDirectoryName(Path.GetFullPath(modelPath))! : modelPath;
        Tokenizer? tokenizer = null;
        Tokenizer TokenizerOf() => tokenizer ??= AutoTokenizer.FromFolder(tokenizerFolder);
        if (RecipeTrainingText.Needed(recipe.Stages))
        {
            progress?.Invoke("tokenizing the distill stages' training text");
            recipe = RecipeTrainingText.Encode(recipe, TokenizerOf(), model, where);
        }

        // Build the chain and preview it on the model before any calibration or compression work, so a plan or option
        // that does not fit this model fails in a second rather than after minutes of calibration.
        var chain = Chain(recipe, factories, groups);
        chain.Preview(model);

        CalibrationData? calibration = null;
        if (recipe.Calibration is { } c)
        {
            progress?.Invoke($"tokenizing calibration text {c.File}");
            calibration = CalibrationText.Load(c, TokenizerOf(), model);
        }
        return new PreparedRecipe(recipe, modelPath, output, model, chain, calibration);
    }

    /// <summary>
    /// The recipe's stages as one estimator chain, each built by its method's factory from its stage and module group.
    /// The stages are validated; groups are parsed but not checked against a model (Preview does that).
    /// </summary>
    public static IModelEstimator<ModelTransformer> Chain(Recipe recipe, string where)
    {
        var methods = recipe.Validate(where);
        var factories = methods.Select((m, i) => RecipeMethods.FactoryOf(m, $"{recipe.StageLabel(where, i)}.method")).ToList();
        return Chain(recipe, factories, recipe.Stages.Select(s => ModuleGroup.Parse(s.Groups)).ToList());
    }

    private static IModelEstimator<ModelTransformer> Chain(Recipe recipe, IReadOnlyList<RecipeFactory> factories, IReadOnlyList<ModuleGroup> groups)
    {
        var ctx = new CompressionContext(recipe.Seed);
        IModelEstimator<ModelTransformer> chain = factories[0](ctx, recipe.Stages[0], groups[0]);
        for (int i = 1; i < factories.Count; i++) chain = chain.Append(factories[i](ctx, recipe.Stages[i], groups[i]));
        return chain;
    }

    /// <summary>Fits the prepared chain: the compression work itself (an exception here is not the user's input).</summary>
    public static ModelTransformer Fit(PreparedRecipe prepared, Action<string>? progress = null)
    {
        progress?.Invoke(string.Join(" → ", prepared.Recipe.Stages.Select(s => $"{s.Stage} {s.Method} ({s.Groups})")));
        return prepared.Chain.Fit(prepared.Model, prepared.Calibration);
    }

    /// <summary>Saves the fitted model with the source's hash; the output folder was checked by <see cref="Prepare"/>.</summary>
    public static RecipeResult Save(PreparedRecipe prepared, ModelTransformer fitted, Action<string>? progress = null)
    {
        progress?.Invoke($"saving {prepared.Output}");
        var manifest = fitted.Save(prepared.Output, new CompressedModel.SaveOptions { Source = prepared.ModelPath });
        return new RecipeResult(fitted, manifest, prepared.Model.StorageBytes());
    }
}
