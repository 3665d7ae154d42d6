using System.CommandLine;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using Spectre.Console;

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
            var parsed = Recipe.Load(path);
            string modelPath = r.GetValue(model) ?? parsed.Model
                ?? throw new ArgumentException($"{path}: no \"model\" in the recipe; give --model DIR.");
            return CompressionReport.Run(parsed, modelPath, r.GetValue(output)!, Path.GetFileName(path));
        }));
        return cmd;
    }
}

/// <summary>Runs a recipe for the prune, quantize and compress commands and prints what was done, layer by layer.</summary>
internal static class CompressionReport
{
    public static int Run(Recipe recipe, string modelPath, string output, string where)
    {
        var result = RecipeRunner.Run(recipe, modelPath, output, where, line => Console.Error.WriteLine(line));
        var m = result.Manifest;
        var table = new Table().AddColumn("linear layer").AddColumn("stages").AddColumn("format")
            .AddColumn(new TableColumn("sparsity").RightAligned()).AddColumn(new TableColumn("bits").RightAligned()).AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var l in m.Layers.Where(l => l.Stages.Count > 0))
            table.AddRow(CliErrors.Escape(l.Name), CliErrors.Escape(string.Join(" → ", l.Stages.Select(s => $"{s.Stage} {s.Method}"))), CliErrors.Escape(l.Format),
                $"{l.Sparsity:P1}", LayerBits(l)?.ToString() ?? "", Format.Bytes(l.Bytes));
        AnsiConsole.Write(table);
        var summary = new Table().HideHeaders().AddColumn("").AddColumn("");
        summary.AddRow("layers changed", $"{m.Layers.Count(l => l.Stages.Count > 0)} of {m.Layers.Count}");
        summary.AddRow("sparsity (linear layers except head)", $"{m.OverallSparsity():P2}");
        summary.AddRow("size", $"{Format.Bytes(result.SourceBytes)} → {Format.Bytes(m.Bytes)}");
        summary.AddRow("saved", CliErrors.Escape(Path.GetFullPath(output)));
        AnsiConsole.Write(summary);
        return 0;
    }

    /// <summary>The bits the latest quantizing stage gave the layer, if any.</summary>
    public static int? LayerBits(CompressedLayer l) => l.Stages.LastOrDefault(s => s.Bits is not null)?.Bits;
}
