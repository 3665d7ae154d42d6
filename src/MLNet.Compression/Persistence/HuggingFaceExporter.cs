using System.Text.Json.Nodes;
using System.Text.Json;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Persistence;

/// <summary>
/// Writes a model as a plain Hugging Face folder: config.json and model.safetensors in float32 under the original key names,
/// with tied aliases dropped as save_pretrained drops them. Compressed weights are written as their dense equivalent
/// (masked or dequantized), so any Hugging Face tool can load the result.
/// </summary>
public static class HuggingFaceExporter
{
    /// <summary>The tokenizer files a model folder may hold (Hugging Face and llama2.c); exports and compressed folders copy them.</summary>
    public static IReadOnlyList<string> TokenizerFileNames { get; } = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
        "vocab.json", "merges.txt", "spiece.model", "tokenizer.model", "added_tokens.json", "tok512.bin", "tokenizer.bin"];

    /// <param name="encoderOnly">
    /// write a model's encoder alone: a masked LM's as BertModel.save_pretrained writes it (no head keys, no base prefix),
    /// a T5 model's as T5EncoderModel.save_pretrained does (no decoder, no lm_head); config.json "architectures" names the
    /// bare class, and the folder loads as <see cref="ModelKind.Encoder"/>
    /// </param>
    public static void Save(LanguageModel model, string folder, string? tokenizerSource = null, bool encoderOnly = false)
    {
        var masked = model as MaskedLanguageModel;
        bool t5 = model is Modeling.T5.T5ForConditionalGeneration or Modeling.T5.T5EncoderModel;
        if (encoderOnly && masked is null && !t5)
            throw new ArgumentException($"--encoder-only: a {model.ModelType} ({model.Kind}) model has no encoder to export alone; it applies to BERT, RoBERTa, DistilBERT and ALBERT masked LMs and T5.");
        Directory.CreateDirectory(folder);
        var writer = new SafeTensorsWriter().AddMetadata("format", "pt");
        var source = new ModelTensorSource(model);
        foreach (var key in source.Keys)
        {
            if (!encoderOnly)
            {
                writer.Add(key, source.ReadFloat32(key), source.Shape(key));
                continue;
            }
            if (masked is null)
            {
                // T5: keep shared.weight and encoder.*; the decoder and the LM head are what T5EncoderModel lacks.
                if (key.StartsWith("decoder.", StringComparison.Ordinal) || key.StartsWith("lm_head.", StringComparison.Ordinal)) continue;
                writer.Add(key, source.ReadFloat32(key), source.Shape(key));
                continue;
            }
            if (masked.HeadKeyPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal))) continue;
            string prefix = masked.BasePrefix + ".";
            writer.Add(key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key, source.ReadFloat32(key), source.Shape(key));
        }
        writer.Save(Path.Combine(folder, "model.safetensors"));

        var config = model.Config is null ? new JsonObject { ["model_type"] = model.ModelType } : JsonNode.Parse(model.Config.Root.GetRawText())!.AsObject();
        if (encoderOnly) config["architectures"] = new JsonArray(masked?.BareArchitecture ?? Modeling.T5.T5EncoderModel.Architecture);
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        CompanionFiles.Of(tokenizerSource, withGenerationConfig: false).CopyTo(folder);
    }
}
