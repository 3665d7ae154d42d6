using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress compress --recipe recipe.json -o OUT [--model DIR]`: runs a chain of prune and quantize stages
/// (docs/FORMATS.md, "Recipes") and writes a compressed model folder.
/// </summary>
public static class CompressCommand
{
    public static Command Create()
    {
        var recipe = new Option<string>("--recipe", "-r") { Description = "Recipe JSON: model, seed, calibration text and stages (docs/FORMATS.md).", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "Model folder; overrides the recipe's \"model\"." };
        var output = new Option<string>("--output", "-o") { Description = "Compressed model folder to write (replaced if it is an earlier output).", Required = true };
        var cmd = new Command("compress", "Run a recipe of prune and quantize stages and save the compressed model.") { recipe, model, output };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            string path = r.GetValue(recipe)!;
            var parsed = UserInput.Check(() => Recipe.Load(path));
            string modelPath = r.GetValue(model) ?? parsed.Model
                ?? throw new UsageException($"{path}: no \"model\" in the recipe; give --model DIR.");
            return CompressionReport.Run(parsed, modelPath, r.GetValue(output)!, Path.GetFileName(path));
        }));
        return cmd;
    }
}
