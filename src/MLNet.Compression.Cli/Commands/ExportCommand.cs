using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Export.Onnx;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress export --model DIR --format hf -o OUT`: writes a plain Hugging Face folder (config.json, float32
/// model.safetensors under the original key names, tokenizer files) with compressed weights masked or dequantized, so
/// transformers or lm-evaluation-harness can evaluate the compressed model. `--format onnx` writes model.onnx for ONNX Runtime,
/// `--format gguf` a .gguf file for llama.cpp.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder: compressed, Hugging Face, or llama2.c.", Required = true };
        var format = new Option<string>("--format", "-f") { Description = "Output format: hf (a Hugging Face folder, dense float32), onnx (model.onnx for ONNX Runtime, compressed forms kept where ORT has a kernel) or gguf (one .gguf file llama.cpp runs; llama, gpt2, gpt_neox).", DefaultValueFactory = _ => "hf" };
        var output = new Option<string>("--output", "-o") { Description = "Folder (hf, onnx) or .gguf file (gguf) to write (replaced if it is an earlier export).", Required = true };
        var type = new Option<string>("--type") { Description = "gguf only: tensor type of the weights, auto (closest to each layer's compressed form), f32, f16, q8_0, q4_0 or q4_1.", DefaultValueFactory = _ => "auto" };
        var encoderOnly = new Option<bool>("--encoder-only") { Description = "Write a masked LM's encoder without its head, as BertModel.save_pretrained does, or (hf) a T5 model's encoder as T5EncoderModel (a bare encoder for embed and sentence-vector studies)." };
        var cmd = new Command("export", "Export a (compressed) model as a plain Hugging Face folder with dense float32 weights, as ONNX for ONNX Runtime, or as GGUF for llama.cpp.") { model, format, output, encoderOnly, type };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(format)!, r.GetValue(output)!, r.GetValue(encoderOnly), r.GetValue(type)!)));
        return cmd;
    }

    private static int Run(string modelPath, string format, string output, bool encoderOnly, string type)
    {
        switch (format.ToLowerInvariant())
        {
            case "gguf":
                if (encoderOnly) throw new UsageException("--encoder-only: applies to --format hf or onnx; a GGUF export is a causal LM llama.cpp runs.");
                return ExportGguf.Run(modelPath, output, type);
            case "onnx":
                if (!string.Equals(type, "auto", StringComparison.OrdinalIgnoreCase))
                    throw new UsageException($"--type {type}: applies to --format gguf; an ONNX export keeps each layer's compressed form.");
                return ExportOnnx(modelPath, output, encoderOnly);
            case "hf": break;
            default: throw new UsageException($"--format {format}: unknown export format (supported: hf, onnx, gguf).");
        }
        if (!string.Equals(type, "auto", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--type {type}: applies to --format gguf; an hf export is float32.");
        string source = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        if (string.Equals(Path.GetFullPath(source).TrimEnd('/', '\\'), Path.GetFullPath(output).TrimEnd('/', '\\'), StringComparison.Ordinal))
            throw new UsageException($"{output}: the output folder is the model's own folder; export to a new folder.");
        var m = ModelLoader.Load(modelPath);
        if (encoderOnly && m is not (MaskedLanguageModel { Kind: ModelKind.MaskedLM } or MLNet.Compression.Modeling.T5.T5ForConditionalGeneration))
            throw new UsageException($"--encoder-only: {modelPath} is a {m.ModelType} {m.Kind} model; only a masked LM (BERT, RoBERTa, DistilBERT, ALBERT) has a head to leave out, and only T5 a decoder.");
        OutputFile.ReportWriteErrors(() => AtomicFolder.Write(output, "config.json", tmp => HuggingFaceExporter.Save(m, tmp, source, encoderOnly)));
        Console.WriteLine($"exported {m.ModelType}{(encoderOnly ? " encoder (no head)" : "")} ({m.ParameterCount():N0} parameters, float32) to {Path.GetFullPath(output)}");
        return 0;
    }

    /// <summary>
    /// `--format onnx`: model.onnx (+ model.onnx.data above 1.5 GB of weights), config.json and the tokenizer files, with each
    /// compressed layer in the ONNX form ORT runs (docs/FORMATS.md, "ONNX export"); prints the forms and what fell back.
    /// </summary>
    private static int ExportOnnx(string modelPath, string output, bool encoderOnly)
    {
        string source = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        if (string.Equals(Path.GetFullPath(source).TrimEnd('/', '\\'), Path.GetFullPath(output).TrimEnd('/', '\\'), StringComparison.Ordinal))
            throw new UsageException($"{output}: the output folder is the model's own folder; export to a new folder.");
        OutputFile.ReportWriteErrors(() => AtomicFolder.CheckWritable(output, OnnxExporter.ManifestFileName));
        var m = ModelLoader.Load(modelPath);
        if (encoderOnly && m is not MaskedLanguageModel { Kind: ModelKind.MaskedLM })
            throw new UsageException($"--encoder-only: {modelPath} is a {m.ModelType} {m.Kind} model; only a masked LM (BERT, RoBERTa, DistilBERT, ALBERT) has a head to leave out.");
        OnnxExportReport report;
        try
        {
            OnnxExporter.CheckSupported(m);
            report = null!;
            OutputFile.ReportWriteErrors(() => report = OnnxExporter.Export(m, output, source, new OnnxExportOptions { EncoderOnly = encoderOnly }));
        }
        catch (NotSupportedException e)
        {
            throw new UsageException($"--format onnx: {e.Message}", e);
        }
        Console.WriteLine($"exported {m.ModelType}{(encoderOnly ? " encoder (no head)" : "")} as ONNX (opset 17{(report.ExternalData ? ", external data" : "")}) to {Path.GetFullPath(output)}");
        foreach (var (form, count) in report.Forms) Console.WriteLine($"  {count,4} × {form}");
        foreach (var line in report.Log) Console.WriteLine($"  note: {line}");
        return 0;
    }
}
