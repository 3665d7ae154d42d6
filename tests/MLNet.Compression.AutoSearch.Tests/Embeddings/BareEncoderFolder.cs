using MLNet.Compression.Tests;
using System.Text.Json.Nodes;
using MLNet.Compression.IO;

namespace MLNet.Compression.AutoSearch.Tests.Embeddings;

/// <summary>
/// bert_uncased_tiny as a bare encoder (its masked-LM head and "bert." prefix dropped, config naming BertModel, as
/// BertModel.save_pretrained writes it), optionally as a sentence-transformers folder, and texts for the embedding cosine.
/// </summary>
public static class BareEncoderFolder
{
    /// <summary>Writes the bare encoder into <paramref name="dir"/>; with <paramref name="sentenceTransformer"/> also modules.json with CLS pooling and Normalize.</summary>
    public static string Make(string dir, bool sentenceTransformer = false)
    {
        Directory.CreateDirectory(dir);
        string src = SharedData.Fixture("models", "bert_uncased_tiny");
        foreach (var f in Directory.GetFiles(src).Where(f => Path.GetFileName(f) is not ("model.safetensors" or "config.json" or "reference.json" or "reference.safetensors")))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!.AsObject();
        config["architectures"] = new JsonArray("BertModel");
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        var writer = new SafeTensorsWriter();
        using (var file = SafeTensorsFile.Open(Path.Combine(src, "model.safetensors")))
            foreach (var t in file.Tensors.Where(t => !t.Name.StartsWith("cls.", StringComparison.Ordinal)))
                writer.Add(t.Name.StartsWith("bert.", StringComparison.Ordinal) ? t.Name["bert.".Length..] : t.Name, file.ReadFloat32(t.Name), t.Shape);
        writer.Save(Path.Combine(dir, "model.safetensors"));
        if (sentenceTransformer)
        {
            File.WriteAllText(Path.Combine(dir, "modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
                """);
            Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
            File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
            Directory.CreateDirectory(Path.Combine(dir, "2_Normalize"));
        }
        return dir;
    }

    /// <summary>
    /// 48 distinct English sentences (subjects × verbs × places), about half in each split, written one per line to
    /// <paramref name="path"/>.
    /// </summary>
    public static string Texts(string path, int count = 48)
    {
        string[] subjects = ["The cat", "A young dog", "My neighbour", "The old teacher", "A tired farmer", "The river", "Her brother", "A small bird"];
        string[] verbs = ["sleeps", "walks slowly", "sings loudly", "waits quietly", "works hard", "looks around"];
        string[] places = ["in the garden", "near the station", "by the sea", "under the bridge"];
        var lines = new List<string>();
        for (int i = 0; lines.Count < count; i++)
            lines.Add($"{subjects[i % subjects.Length]} {verbs[i / subjects.Length % verbs.Length]} {places[(i * 7 + i / 5) % places.Length]}.");
        File.WriteAllLines(path, lines);
        return path;
    }
}
