using System.CommandLine;
using MLNet.Compression.Modeling;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>`mlnet-compress info --model DIR`: family, size and every linear layer with its group and shape.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (config.json + *.safetensors) or llama2.c .bin file.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var cmd = new Command("info", "Show a model's family, parameter count, size and linear layers.") { model, json };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(json))));
        return cmd;
    }

    private static int Run(string path, bool asJson)
    {
        var m = ModelLoader.Load(path);
        long parameters = m.ParameterCount(), bytes = m.StorageBytes();
        if (asJson)
        {
            var doc = new
            {
                model_type = m.ModelType,
                kind = m.Kind.ToString(),
                parameters,
                bytes,
                hidden_size = m.HiddenSize,
                vocab_size = m.VocabSize,
                layers = m.LayerCount,
                linear_layers = m.Linears.Select(l => new { name = l.Name, role = l.Role.ToString(), out_features = l.OutFeatures, in_features = l.InFeatures, format = l.Weight.Format, bytes = l.Weight.StorageBytes }),
            };
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(doc, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var summary = new Table().HideHeaders().AddColumn("").AddColumn("");
        summary.AddRow("model", CliErrors.Escape(path));
        summary.AddRow("family", $"{m.ModelType} ({m.Kind})");
        summary.AddRow("parameters", $"{parameters:N0}");
        summary.AddRow("size", Format.Bytes(bytes));
        summary.AddRow("hidden / vocab / layers", $"{m.HiddenSize} / {m.VocabSize} / {m.LayerCount}");
        AnsiConsole.Write(summary);
        var table = new Table().AddColumn("linear layer").AddColumn("group").AddColumn("shape [[out, in]]").AddColumn("format").AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var l in m.Linears)
            table.AddRow(CliErrors.Escape(l.Name), l.Role.ToString(), $"[[{l.OutFeatures}, {l.InFeatures}]]", l.Weight.Format, Format.Bytes(l.Weight.StorageBytes));
        AnsiConsole.Write(table);
        return 0;
    }
}

internal static class Format
{
    public static string Bytes(long b) => b switch
    {
        >= 1L << 30 => $"{b / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{b / (double)(1L << 20):F2} MiB",
        >= 1L << 10 => $"{b / 1024.0:F1} KiB",
        _ => $"{b} B",
    };
}
