using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress prune --model DIR --method magnitude --scope global --groups ffn --sparsity 0.5 -o OUT`: one pruning
/// stage, run as a one-stage recipe (the same validation and the same folder as `compress`).
/// </summary>
public static class PruneCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (Hugging Face, compressed, or llama2.c).", Required = true };
        var method = new Option<string>("--method") { Description = $"Pruning method: {string.Join(", ", RecipeMethods.Names(RecipeMethods.Prune))}.", Required = true };
        var scope = new Option<string>("--scope") { Description = "global: one threshold across the chosen layers (torch global_unstructured); local: per layer. Default global." };
        var groups = new Option<string>("--groups", "-g") { Description = "attention, attention-qkv, ffn, all, head, or a regular expression over layer names.", DefaultValueFactory = _ => "all" };
        var sparsity = new Option<double?>("--sparsity", "-s") { Description = "Fraction of weights to remove, 0 to 1. Default 0.5." };
        var nm = new Option<string>("--nm") { Description = "N:M pattern for nm, wanda and sparsegpt, e.g. 2:4." };
        var plan = new Option<string>("--plan") { Description = "JSON file mapping layer names to sparsities (overrides --sparsity for those layers)." };
        var calibration = new Option<string>("--calibration") { Description = "Calibration text, one sample per line (wanda, sparsegpt, owl)." };
        var samples = new Option<int>("--calibration-samples") { Description = "Calibration lines used.", DefaultValueFactory = _ => 128 };
        var seed = new Option<int>("--seed") { Description = "Seed for random choices.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Compressed model folder to write.", Required = true };
        var cmd = new Command("prune", "Prune linear layers and save a compressed model folder.") { model, method, scope, groups, sparsity, nm, plan, calibration, samples, seed, output };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            string? planPath = r.GetValue(plan);
            var stage = new RecipeStage
            {
                Stage = RecipeMethods.Prune,
                Method = r.GetValue(method)!,
                Groups = r.GetValue(groups)!,
                Scope = r.GetValue(scope),
                Sparsity = r.GetValue(sparsity),
                NM = r.GetValue(nm),
                Plan = planPath is null ? null : UserInput.Check(() => RecipePlan.Load(planPath)),
                PlanSource = planPath,
            };
            return CompressionReport.Run(OneStage(stage, r.GetValue(calibration), r.GetValue(samples), r.GetValue(seed)), r.GetValue(model)!, r.GetValue(output)!, "prune");
        }));
        return cmd;
    }

    internal static Recipe OneStage(RecipeStage stage, string? calibration, int samples, int seed)
    {
        if (samples < 1) throw new UsageException("--calibration-samples must be at least 1.");
        return new Recipe
        {
            Seed = seed,
            FromCommandLine = true,
            Calibration = calibration is null ? null : new RecipeCalibration(calibration, samples),
            Stages = [stage],
        };
    }
}
