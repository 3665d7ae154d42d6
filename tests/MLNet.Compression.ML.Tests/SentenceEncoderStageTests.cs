using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;

namespace MLNet.Compression.ML.Tests;

/// <summary>
/// Embed over a whole sentence-transformers model (its pooling, Dense, Normalize, max_seq_length and do_lower_case): the
/// column equals what the <c>embed</c> command writes for the same folder, and the Dense module travels inside model.zip
/// to a fresh process.
/// </summary>
public class SentenceEncoderStageTests
{
    private static readonly string[] Texts =
    [
        "The CAPITAL of France is Paris.", "a short one", "Transformers read every token of a sentence at once, so long sentences cost more.",
        "Numbers like 42 and symbols like # appear too!",
    ];

    /// <summary>bert_uncased_tiny as a sentence-transformers folder: CLS pooling, a tanh Dense 32 → 64, Normalize, 16 tokens, lower-casing.</summary>
    private static string Folder(TempFolder tmp)
    {
        string dir = Directory.CreateDirectory(tmp.File("st")).FullName;
        foreach (var f in Directory.GetFiles(Fixtures.Model("bert_uncased_tiny"))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var modules = new JsonArray(
            new JsonObject { ["idx"] = 0, ["name"] = "0", ["path"] = "", ["type"] = "sentence_transformers.models.Transformer" },
            new JsonObject { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" },
            new JsonObject { ["idx"] = 2, ["name"] = "2", ["path"] = "2_Dense", ["type"] = "sentence_transformers.models.Dense" },
            new JsonObject { ["idx"] = 3, ["name"] = "3", ["path"] = "3_Normalize", ["type"] = "sentence_transformers.models.Normalize" });
        File.WriteAllText(Path.Combine(dir, "modules.json"), modules.ToJsonString());
        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
        Directory.CreateDirectory(Path.Combine(dir, "2_Dense"));
        File.WriteAllText(Path.Combine(dir, "2_Dense", "config.json"), """{"in_features": 32, "out_features": 64, "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"}""");
        var rng = new Random(5);
        var w = Enumerable.Range(0, 64 * 32).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() - 0.5) / 10).ToArray();
        new SafeTensorsWriter().Add("linear.weight", w, 64, 32).Add("linear.bias", b, 64).Save(Path.Combine(dir, "2_Dense", "model.safetensors"));
        Directory.CreateDirectory(Path.Combine(dir, "3_Normalize"));
        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length": 16, "do_lower_case": true}""");
        return dir;
    }

    [Fact]
    public void Embed_of_a_sentence_transformers_model_equals_the_embed_command_and_survives_save_and_load_in_a_fresh_process()
    {
        using var tmp = new TempFolder();
        string folder = Folder(tmp);
        var ml = new MLContext(seed: 1);
        var data = Fixtures.Texts(ml, Texts);
        var encoder = SentenceEncoder.Load(folder);
        var fitted = ml.Transforms.LanguageModel().Embed(encoder).Fit(data);
        var got = FeaturizerValueTests.Column(fitted.Transform(data), "Embedding");

        // The command, run as a user runs it, on the same folder.
        string input = tmp.File("texts.txt");
        File.WriteAllLines(input, Texts);
        var (code, _, err) = SampleProcess.Run("mlnet-compress", tmp.Path, "embed", "--model", folder, "--input", input, "-o", tmp.File("vectors.jsonl"));
        Assert.True(code == 0, err);
        var rows = File.ReadAllLines(tmp.File("vectors.jsonl")).Select(l => JsonNode.Parse(l)!["embedding"]!.AsArray().Select(v => (float)v!).ToArray()).ToArray();
        Assert.Equal(Texts.Length, rows.Length);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(64, got[i].Length);
            Assert.Equal(1, Math.Sqrt(got[i].Sum(x => (double)x * x)), 5);   // the Normalize module ran
            // The command encodes texts in batches padded to the longest; the stage one text at a time.
            for (int j = 0; j < 64; j++) Assert.Equal(rows[i][j], got[i][j], 2e-6f);
        }
        // Lower-casing: the upper-case text gives the lower-case text's vector.
        var lower = FeaturizerValueTests.Column(fitted.Transform(Fixtures.Texts(ml, [Texts[0].ToLowerInvariant()])), "Embedding")[0];
        Assert.Equal(got[0], lower);

        string zip = tmp.File("model.zip");
        ml.Model.SaveWithLanguageModels(fitted, data.Schema, zip);
        var (loadCode, lines, loadErr) = LoadCheckProcess.Run(zip, input, "Embedding");
        Assert.True(loadCode == 0, loadErr);
        var loaded = lines.Where(l => l.StartsWith('{')).Select(l => JsonSerializer.Deserialize<Dictionary<string, string>>(l)!["Embedding"]).ToArray();
        Assert.Equal(got.Select(v => string.Join(",", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))), loaded);
    }

    [Fact]
    public void A_Dense_module_that_does_not_fit_the_pooling_is_refused_when_the_pipeline_is_built()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var dense = DenseModule.Create(16, 64, new float[16 * 64], null, tanh: false);
        var e = Assert.Throws<ArgumentException>(() => new SentenceEncoder(model, tokenizer, new SentenceEncoder.Options { Dense = [dense] }));
        Assert.Contains("takes 16 values but the pooling gives 32", e.Message);
    }
}
