using System.Globalization;
using System.Text.Json;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>
/// What <c>info</c> shows of a model: family, size and every linear layer with its group, shape, storage form, measured
/// sparsity, bits and bytes, plus the manifest's stages for a compressed folder; as indented JSON or as two tables.
/// </summary>
internal sealed class ModelInfo
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly string _path;
    private readonly LanguageModel _m;
    private readonly CompressedModelManifest? _manifest;
    private readonly long _parameters, _bytes;
    private readonly List<(Linear Layer, double Sparsity, int? Bits, double BitsPerWeight, IReadOnlyList<LayerChange> Stages)> _layers;

    /// <summary>Measures <paramref name="m"/>, loaded from <paramref name="path"/>, with its manifest if it has one.</summary>
    public ModelInfo(string path, LanguageModel m, CompressedModelManifest? manifest)
    {
        _path = path;
        _m = m;
        _manifest = manifest;
        _parameters = m.ParameterCount();
        _bytes = m.StorageBytes();
        var stages = manifest?.Layers.ToDictionary(l => l.Name, l => l.Stages, StringComparer.Ordinal);
        _layers = m.Linears.Select(l =>
        {
            IReadOnlyList<LayerChange> history = stages is not null && stages.TryGetValue(l.Name, out var h) ? h : [];
            int? declared = history.LastOrDefault(s => s.Bits is not null)?.Bits ?? (l.Weight.Format == "dense-f32" ? 32 : null);
            return (Layer: l, Sparsity: CompressedModel.ZeroFraction(l.Weight), Bits: declared,
                BitsPerWeight: l.Weight.StorageBytes * 8.0 / ((double)l.OutFeatures * l.InFeatures), Stages: history);
        }).ToList();
    }

    /// <summary>The model as indented JSON (snake_case fields, one object per linear layer).</summary>
    public string ToJson()
    {
        var (m, manifest, layers, parameters, bytes) = (_m, _manifest, _layers, _parameters, _bytes);
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
        return JsonSerializer.Serialize(doc, Indented);
    }

    /// <summary>Writes a summary table and a table of linear layers to the console.</summary>
    public void WriteTables()
    {
        var (m, manifest, layers, parameters, bytes) = (_m, _manifest, _layers, _parameters, _bytes);
        var summary = new Table().HideHeaders().AddColumn("").AddColumn("");
        summary.AddRow("model", CliErrors.Escape(_path));
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
    }
}
