using System.CommandLine;
using System.Globalization;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress quantize --model DIR --method rtn --bits 4 --group-size 128 --groups all -o OUT`: one quantization
/// stage, run as a one-stage recipe.
/// </summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (Hugging Face, compressed, or llama2.c).", Required = true };
        var method = new Option<string>("--method") { Description = $"Quantization method: {string.Join(", ", RecipeMethods.Names(RecipeMethods.Quantize))}.", Required = true };
        var bits = new Option<int?>("--bits", "-b") { Description = "Bits per weight for rtn and gptq: 2, 3, 4 or 8. Default 4." };
        var groupSize = new Option<int?>("--group-size") { Description = "Inputs sharing one scale for rtn and gptq; -1 for one per row. Default 128." };
        var symmetric = new Option<bool?>("--symmetric") { Description = "Symmetric scales (true) or scales with zero points (false) for rtn and gptq. Default true." };
        var perChannel = new Option<bool>("--per-channel") { Description = "dynamic-int8: one scale per output row instead of per tensor." };
        var damping = new Option<double?>("--damping") { Description = "gptq: fraction of the mean Hessian diagonal added to it (paper default 0.01)." };
        var blockSize = new Option<int?>("--block-size") { Description = "gptq: columns quantized per block (paper default 128)." };
        var actOrder = new Option<bool>("--act-order") { Description = "gptq: quantize columns in order of decreasing Hessian diagonal." };
        var groups = new Option<string>("--groups", "-g") { Description = "attention, attention-qkv, ffn, all, head, or a regular expression over layer names.", DefaultValueFactory = _ => "all" };
        var plan = new Option<string>("--plan") { Description = "JSON file mapping layer names to bits (overrides --bits for those layers)." };
        var calibration = new Option<string>("--calibration") { Description = "Calibration text, one sample per line (gptq)." };
        var samples = new Option<int>("--calibration-samples") { Description = "Calibration lines used.", DefaultValueFactory = _ => 128 };
        var seed = new Option<int>("--seed") { Description = "Seed for random choices.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Compressed model folder to write.", Required = true };
        var cmd = new Command("quantize", "Quantize linear layers and save a compressed model folder.")
            { model, method, bits, groupSize, symmetric, perChannel, damping, blockSize, actOrder, groups, plan, calibration, samples, seed, output };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var inv = CultureInfo.InvariantCulture;
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            if (r.GetValue(perChannel)) parameters["per_channel"] = "true";
            if (r.GetValue(damping) is double d) parameters["damping"] = d.ToString("R", inv);
            if (r.GetValue(blockSize) is int bs) parameters["block_size"] = bs.ToString(inv);
            if (r.GetValue(actOrder)) parameters["act_order"] = "true";
            string? planPath = r.GetValue(plan);
            var stage = new RecipeStage
            {
                Stage = RecipeMethods.Quantize,
                Method = r.GetValue(method)!,
                Groups = r.GetValue(groups)!,
                Bits = r.GetValue(bits),
                GroupSize = r.GetValue(groupSize),
                Symmetric = r.GetValue(symmetric),
                Plan = planPath is null ? null : UserInput.Check(() => RecipePlan.Load(planPath)),
                PlanSource = planPath,
                Parameters = parameters,
            };
            return CompressionReport.Run(PruneCommand.OneStage(stage, r.GetValue(calibration), r.GetValue(samples), r.GetValue(seed)), r.GetValue(model)!, r.GetValue(output)!, "quantize");
        }));
        return cmd;
    }
}
