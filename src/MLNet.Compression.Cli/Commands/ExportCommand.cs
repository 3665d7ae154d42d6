using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress export --model DIR --format hf -o OUT`: writes a plain Hugging Face folder (config.json, float32
/// model.safetensors under the original key names, tokenizer files) with compressed weights masked or dequantized, so
/// transformers or lm-evaluation-harness can evaluate the compressed model.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder: compressed, Hugging Face, or llama2.c.", Required = true };
        var format = new Option<string>("--format", "-f") { Description = "Output format: hf (a Hugging Face folder) or gguf (one .gguf file llama.cpp runs; llama, gpt2, gpt_neox).", DefaultValueFactory = _ => "hf" };
        var output = new Option<string>("--output", "-o") { Description = "Folder (hf) or .gguf file (gguf) to write (replaced if it is an earlier export).", Required = true };
        var type = new Option<string>("--type") { Description = "gguf only: tensor type of the weights, auto (closest to each layer's compressed form), f32, f16, q8_0, q4_0 or q4_1.", DefaultValueFactory = _ => "auto" };
        var encoderOnly = new Option<bool>("--encoder-only") { Description = "Write a masked LM's encoder without its head, as BertModel.save_pretrained does, or a T5 model's encoder as T5EncoderModel (a bare encoder for embed and sentence-vector studies)." };
        var cmd = new Command("export", "Export a (compressed) model as a plain Hugging Face folder with dense float32 weights.") { model, format, output, encoderOnly, type };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(format)!, r.GetValue(output)!, r.GetValue(encoderOnly), r.GetValue(type)!)));
        return cmd;
    }

    private static int Run(string modelPath, string format, string output, bool encoderOnly, string type)
    {
        switch (format.ToLowerInvariant())
        {
            case "gguf":
                if (encoderOnly) throw new UsageException("--encoder-only: applies to --format hf; a GGUF export is a causal LM llama.cpp runs.");
                return ExportGguf.Run(modelPath, output, type);
        }
        if (!string.Equals(format, "hf", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--format {format}: unknown export format (supported: hf, gguf).");
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
}
