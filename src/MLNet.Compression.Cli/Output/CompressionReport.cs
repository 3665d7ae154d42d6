using MLNet.Compression.Persistence;
using MLNet.Compression.Recipes;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>Runs a recipe for the prune, quantize and compress commands and prints what was done, layer by layer.</summary>
internal static class CompressionReport
{
    /// <summary>Runs <paramref name="recipe"/> on <paramref name="modelPath"/>, saves <paramref name="output"/> and prints the tables.</summary>
    public static int Run(Recipe recipe, string modelPath, string output, string where)
    {
        // Preparing reads and checks everything the user gave (recipe, plans, groups, calibration text, output folder) and
        // reports it with general exception types: those are the user's input. Fitting is the tool's own work, so an
        // exception there keeps its trace; saving can only fail on the output location the user chose.
        void Log(string line) => Console.Error.WriteLine(line);
        var prepared = UserInput.Check(() => RecipeRunner.Prepare(recipe, modelPath, output, where, Log));
        var fitted = RecipeRunner.Fit(prepared, Log);
        var result = UserInput.Check(() => RecipeRunner.Save(prepared, fitted, Log));
        var m = result.Manifest;
        var table = new Table().AddColumn("linear layer").AddColumn("stages").AddColumn("format")
            .AddColumn(new TableColumn("sparsity").RightAligned()).AddColumn(new TableColumn("bits").RightAligned()).AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var l in m.Layers.Where(l => l.Stages.Count > 0))
            table.AddRow(CliErrors.Escape(l.Name), CliErrors.Escape(string.Join(" → ", l.Stages.Select(s => $"{s.Stage} {s.Method}"))), CliErrors.Escape(l.Format),
                $"{l.Sparsity:P1}", LayerBits(l)?.ToString() ?? "", ByteSize.Format(l.Bytes));
        AnsiConsole.Write(table);
        var summary = new Table().HideHeaders().AddColumn("").AddColumn("");
        summary.AddRow("layers changed", $"{m.Layers.Count(l => l.Stages.Count > 0)} of {m.Layers.Count}");
        summary.AddRow("sparsity (linear layers except head)", $"{m.OverallSparsity():P2}");
        summary.AddRow("size", $"{ByteSize.Format(result.SourceBytes)} → {ByteSize.Format(m.Bytes)}");
        summary.AddRow("saved", CliErrors.Escape(Path.GetFullPath(output)));
        AnsiConsole.Write(summary);
        return 0;
    }

    /// <summary>The bits the latest quantizing stage gave the layer, if any.</summary>
    public static int? LayerBits(CompressedLayer l) => l.Stages.LastOrDefault(s => s.Bits is not null)?.Bits;
}
