using MLNet.Compression.Distillation;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Recipes;

/// <summary>
/// Encodes the training text of a recipe's distill stages with the model's tokenizer, which the recipe itself does not
/// hold: the runner of a recipe or of a study grid calls it once the model and its tokenizer are loaded.
/// </summary>
public static class RecipeTrainingText
{
    /// <summary>True when any stage trains on text.</summary>
    public static bool Needed(IEnumerable<RecipeStage> stages) => stages.Any(s => s.Stage == RecipeMethods.Distill);

    /// <summary>
    /// The stages with each distill stage's <see cref="RecipeStage.TrainingRows"/> set: its text encoded by
    /// <paramref name="tokenizer"/> as rows of its seq_len, masking tokens taken from <paramref name="model"/>'s kind.
    /// A file shared by several stages at one length is read once.
    /// </summary>
    /// <param name="where">names the stages in messages ("recipe.json", "grid point magnitude 0.7 + recover")</param>
    public static IReadOnlyList<RecipeStage> Encode(IReadOnlyList<RecipeStage> stages, Tokenizer tokenizer, LanguageModel model, string where)
    {
        var read = new Dictionary<(string, int), TrainingText>();
        var result = new List<RecipeStage>(stages.Count);
        for (int i = 0; i < stages.Count; i++)
        {
            var s = stages[i];
            if (s.Stage != RecipeMethods.Distill || s.TrainingRows is not null || s.Text is null)
            {
                result.Add(s);
                continue;
            }
            int length = s.Training().SequenceLength;
            var key = (Path.GetFullPath(s.Text), length);
            if (!read.TryGetValue(key, out var rows))
                read[key] = rows = TrainingText.Load(s.Text, tokenizer, model, Math.Min(length, model.MaxPositions ?? int.MaxValue), $"{where}: stages[{i}].text");
            result.Add(s with { TrainingRows = rows });
        }
        return result;
    }

    /// <summary><see cref="Encode(IReadOnlyList{RecipeStage}, Tokenizer, LanguageModel, string)"/> over a recipe's stages.</summary>
    public static Recipe Encode(Recipe recipe, Tokenizer tokenizer, LanguageModel model, string where)
        => Needed(recipe.Stages) ? recipe with { Stages = Encode(recipe.Stages, tokenizer, model, where) } : recipe;
}
