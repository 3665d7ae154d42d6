using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.IO;

/// <summary>
/// Writes a model as a plain Hugging Face folder: config.json and model.safetensors in float32 under the original key names,
/// with tied aliases dropped as save_pretrained drops them. Compressed weights are written as their dense equivalent
/// (masked or dequantized), so any Hugging Face tool can load the result.
/// </summary>
public static class HuggingFaceExporter
{
    public static void Save(LanguageModel model, string folder, string? tokenizerSource = null)
    {
        Directory.CreateDirectory(folder);
        var writer = new SafeTensorsWriter().AddMetadata("format", "pt");
        var written = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var t in model.OtherTensors)
            if (written.Add(t.Value.Data)) writer.Add(t.Key, t.Value.Data, t.Value.Shape);
        foreach (var l in model.Linears)
        {
            var dense = l.Weight.ToDense();
            if (written.Add(dense.Data))
            {
                if (l.StoredTransposed) writer.Add(l.Name + ".weight", Transpose(dense.Data, l.OutFeatures, l.InFeatures), l.InFeatures, l.OutFeatures);
                else writer.Add(l.Name + ".weight", dense.Data, l.OutFeatures, l.InFeatures);
            }
            if (l.Bias is not null && written.Add(l.Bias)) writer.Add(l.Name + ".bias", l.Bias, l.Bias.Length);
        }
        writer.Save(Path.Combine(folder, "model.safetensors"));

        var config = model.Config is null ? new JsonObject { ["model_type"] = model.ModelType } : JsonNode.Parse(model.Config.Root.GetRawText())!.AsObject();
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        if (tokenizerSource is not null && Directory.Exists(tokenizerSource))
        {
            string[] names = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt",
                "spiece.model", "tokenizer.model", "added_tokens.json", "tok512.bin", "tokenizer.bin"];
            foreach (var n in names)
            {
                string src = Path.Combine(tokenizerSource, n);
                if (File.Exists(src)) File.Copy(src, Path.Combine(folder, n), overwrite: true);
            }
        }
    }

    /// <summary>[rows, cols] → [cols, rows]</summary>
    private static float[] Transpose(float[] data, int rows, int cols)
    {
        var t = new float[data.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
        return t;
    }
}
