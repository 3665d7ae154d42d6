using System.CommandLine;
using System.Globalization;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress info --model DIR`: family, size and every linear layer with its group, shape, storage form, measured
/// sparsity, bits and bytes; for a compressed folder also the format version, the source hash and each layer's stages.
/// </summary>
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
        // A compressed folder's manifest says what each stage did; sparsity is always measured on the weights themselves.
        var manifest = CompressedModel.IsCompressedFolder(path) ? CompressedModel.ReadManifest(path) : null;
        var stages = manifest?.Layers.ToDictionary(l => l.Name, l => l.Stages, StringComparer.Ordinal);
        var layers = m.Linears.Select(l =>
        {
            var history = stages is not null && stages.TryGetValue(l.Name, out var h) ? h : [];
            int? declared = history.LastOrDefault(s => s.Bits is not null)?.Bits ?? (l.Weight.Format == "dense-f32" ? 32 : null);
            return (Layer: l, Sparsity: CompressedModel.ZeroFraction(l.Weight), Bits: declared,
                BitsPerWeight: l.Weight.StorageBytes * 8.0 / ((double)l.OutFeatures * l.InFeatures), Stages: history);
        }).ToList();
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
                compressed = manifest is null ? null : new
                {
                    format = manifest.Format,
                    version = manifest.Version,
                    source_sha256 = manifest.Source?.Sha256,
                    origin_sha256 = manifest.Origin?.Sha256,
                    sparsity = manifest.OverallSparsity(),
                },
                linear_layers = layers.Select(x => new
                {
                    name = x.Layer.Name, role = x.Layer.Role.ToString(), out_features = x.Layer.OutFeatures, in_features = x.Layer.InFeatures,
                    format = x.Layer.Weight.Format, bytes = x.Layer.Weight.StorageBytes, sparsity = x.Sparsity, bits = x.Bits,
                    bits_per_weight = Math.Round(x.BitsPerWeight, 4),
                    stages = x.Stages.Select(s => new { stage = s.Stage, method = s.Method, sparsity = s.Sparsity, bits = s.Bits, parameters = s.Details }),
                }),
            };
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(doc, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        var summary = new Table().HideHeaders().AddColumn("").AddColumn("");
        summary.AddRow("model", CliErrors.Escape(path));
        summary.AddRow("family", $"{m.ModelType} ({m.Kind})");
        summary.AddRow("parameters", $"{parameters:N0}");
        summary.AddRow("size", ByteSize.Format(bytes));
        summary.AddRow("hidden / vocab / layers", $"{m.HiddenSize} / {m.VocabSize} / {m.LayerCount}");
        if (manifest is not null)
        {
            summary.AddRow("compressed", $"{manifest.Format} v{manifest.Version}, {manifest.Layers.Count(l => l.Stages.Count > 0)} layers changed, sparsity {manifest.OverallSparsity():P2}");
            summary.AddRow("source sha256", manifest.Source?.Sha256 ?? "(built in memory)");
        }
        AnsiConsole.Write(summary);
        var table = new Table().AddColumn("linear layer").AddColumn("group").AddColumn("shape [[out, in]]").AddColumn("format")
            .AddColumn(new TableColumn("sparsity").RightAligned()).AddColumn(new TableColumn("bits").RightAligned()).AddColumn(new TableColumn("bytes").RightAligned());
        if (manifest is not null) table.AddColumn("stages");
        foreach (var x in layers)
        {
            var l = x.Layer;
            string bits = x.Bits?.ToString(CultureInfo.InvariantCulture) ?? x.BitsPerWeight.ToString("0.##", CultureInfo.InvariantCulture);
            var row = new List<string> { CliErrors.Escape(l.Name), l.Role.ToString(), $"[[{l.OutFeatures}, {l.InFeatures}]]", CliErrors.Escape(l.Weight.Format),
                $"{x.Sparsity:P1}", bits, ByteSize.Format(l.Weight.StorageBytes) };
            if (manifest is not null) row.Add(CliErrors.Escape(string.Join(" → ", x.Stages.Select(s => $"{s.Stage} {s.Method}"))));
            table.AddRow(row.ToArray());
        }
        AnsiConsole.Write(table);
        return 0;
    }
}
