using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;

namespace MLNet.Compression.Export.Onnx;

/// <summary>How an int8 layer's activations are quantized in the ONNX graph.</summary>
public enum Int8Activations
{
    /// <summary>
    /// As the engine (and PyTorch's engine it follows) does: 7-bit for fbgemm and oneDNN, 8-bit for QNNPACK, with their
    /// scale, zero point and rounding rules, built from standard ops; ORT then computes the same codes and the same float
    /// output as the engine (docs/FORMATS.md gives the measured agreement).
    /// </summary>
    Exact,
    /// <summary>
    /// DynamicQuantizeLinear (8-bit, ORT's rounding), which ORT fuses with MatMulInteger: faster, but the codes are not
    /// PyTorch's (and not the engine's), so outputs differ by about one activation quantization step.
    /// </summary>
    Fast,
}

/// <summary>Settings of an ONNX export.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// Above this many bytes of initializers the weights go to <see cref="OnnxExporter.DataFileName"/> beside the model
    /// (ONNX external data), since protobuf refuses messages above 2 GB. Default 1.5 GB.
    /// </summary>
    public long ExternalDataThresholdBytes { get; init; } = 1_500_000_000;

    /// <summary>With external data, initializers smaller than this stay inside model.onnx. Default 1 KiB.</summary>
    public int ExternalDataMinTensorBytes { get; init; } = 1024;

    /// <summary>
    /// Code widths written as com.microsoft MatMulNBits; other widths are written dequantized. ORT 1.32's CPU kernel takes
    /// 2, 4 and 8 bits (3-bit codes have no kernel).
    /// </summary>
    public IReadOnlyList<int> MatMulNBitsBits { get; init; } = [2, 4, 8];

    /// <summary>How int8 layers quantize their activations. Default <see cref="Int8Activations.Exact"/>.</summary>
    public Int8Activations Int8Activations { get; init; } = Int8Activations.Exact;

    /// <summary>A masked LM's encoder without its head: outputs last_hidden_state instead of logits (as export --encoder-only).</summary>
    public bool EncoderOnly { get; init; }
}

/// <summary>What an export wrote and how each weight form was mapped.</summary>
/// <param name="Files">The files written, relative to the folder.</param>
/// <param name="Forms">ONNX form → number of linear layers written in it.</param>
/// <param name="Log">One line per layer that could not keep its compressed form, and other notes.</param>
public sealed record OnnxExportReport(IReadOnlyList<string> Files, IReadOnlyDictionary<string, int> Forms, IReadOnlyList<string> Log,
    bool ExternalData, long InitializerBytes);

/// <summary>
/// Writes a model as an ONNX model ONNX Runtime runs: model.onnx (opset 17, com.microsoft MatMulNBits for k-bit weights),
/// model.onnx.data when the weights need external data, config.json, the tokenizer files, and onnx_export.json (the marker
/// that lets a later export replace the folder). Encoders (BERT, RoBERTa, DistilBERT, ALBERT; masked LMs and bare
/// encoders) and decoders with a key/value cache (GPT-2, GPT-NeoX, OPT, Llama) are supported; docs/FORMATS.md lists
/// inputs, outputs and the op used for each weight form.
/// </summary>
public static class OnnxExporter
{
    public const string ModelFileName = "model.onnx";
    public const string DataFileName = "model.onnx.data";
    /// <summary>The marker file of an export folder.</summary>
    public const string ManifestFileName = "onnx_export.json";
    /// <summary>metadata_props key naming this exporter inside model.onnx.</summary>
    public const string ProducerKey = "mlnet_compression.export";

    /// <summary>Exports into <paramref name="folder"/> through a temporary sibling and a rename (<see cref="AtomicFolder"/>);
    /// an existing folder is replaced only if it is an earlier ONNX export or empty (IOException otherwise).</summary>
    public static OnnxExportReport Export(LanguageModel model, string folder, string? tokenizerSource = null, OnnxExportOptions? options = null)
    {
        CheckSupported(model);
        OnnxExportReport? report = null;
        AtomicFolder.Write(folder, ManifestFileName, tmp => report = Write(model, tmp, tokenizerSource, options));
        return report!;
    }

    /// <summary>Throws NotSupportedException naming what cannot be exported, before anything is written.</summary>
    public static void CheckSupported(LanguageModel model)
    {
        if (model.Kind == ModelKind.Seq2SeqLM)
            throw new NotSupportedException($"ONNX export of {model.ModelType} (encoder-decoder) models is not supported yet; encoders (bert, roberta, distilbert, albert) and decoders (gpt2, gpt_neox, opt, llama) are.");
        if (model is not (MaskedLanguageModel or CausalLanguageModel))
            throw new NotSupportedException($"ONNX export of {model.ModelType} models is not supported.");
    }

    /// <summary>Writes the export's files into an existing empty folder.</summary>
    public static OnnxExportReport Write(LanguageModel model, string folder, string? tokenizerSource = null, OnnxExportOptions? options = null)
    {
        CheckSupported(model);
        options ??= new OnnxExportOptions();
        var log = new List<string>();
        var graph = new OnnxGraph { Name = model.ModelType };
        var layers = new OnnxLayers(graph, options, log);
        if (options.EncoderOnly && model is not MaskedLanguageModel)
            throw new NotSupportedException($"EncoderOnly: a {model.ModelType} ({model.Kind}) model has no encoder to export alone.");
        if (model is MaskedLanguageModel encoder) EncoderEmitter.Emit(encoder, layers, options.EncoderOnly);
        else DecoderEmitter.Emit((CausalLanguageModel)model, layers);

        bool external = graph.InitializerBytes > options.ExternalDataThresholdBytes;
        if (external) log.Add($"{graph.InitializerBytes:N0} bytes of weights exceed {options.ExternalDataThresholdBytes:N0}: tensors of {options.ExternalDataMinTensorBytes:N0} bytes or more are in {DataFileName} (ONNX external data).");
        var metadata = new Dictionary<string, string>
        {
            [ProducerKey] = "1",
            ["model_type"] = model.ModelType,
            ["kind"] = options.EncoderOnly ? nameof(ModelKind.Encoder) : model.Kind.ToString(),
        };
        graph.Save(Path.Combine(folder, ModelFileName), metadata, external ? DataFileName : null, options.ExternalDataMinTensorBytes);

        var files = new List<string> { ModelFileName };
        if (external) files.Add(DataFileName);
        var config = model.Config is null ? new JsonObject { ["model_type"] = model.ModelType } : JsonNode.Parse(model.Config.Root.GetRawText())!.AsObject();
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        files.Add("config.json");
        if (tokenizerSource is not null && Directory.Exists(tokenizerSource))
            foreach (var n in HuggingFaceExporter.TokenizerFileNames.Where(n => File.Exists(Path.Combine(tokenizerSource, n))))
            {
                File.Copy(Path.Combine(tokenizerSource, n), Path.Combine(folder, n), overwrite: true);
                files.Add(n);
            }

        var report = new OnnxExportReport(files, new Dictionary<string, int>(layers.Forms), log, external, graph.InitializerBytes);
        var manifest = new JsonObject
        {
            ["format"] = "onnx",
            ["version"] = 1,
            ["model_type"] = model.ModelType,
            ["kind"] = options.EncoderOnly ? nameof(ModelKind.Encoder) : model.Kind.ToString(),
            ["opset"] = OnnxGraph.Opset,
            ["external_data"] = external,
            ["files"] = new JsonArray(files.Select(f => (JsonNode)f).ToArray()),
            ["forms"] = new JsonObject(report.Forms.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["log"] = new JsonArray(log.Select(l => (JsonNode)l).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(folder, ManifestFileName), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return report;
    }
}
