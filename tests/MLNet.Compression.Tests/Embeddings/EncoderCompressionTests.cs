using System.Text.Json.Nodes;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Embeddings;

/// <summary>Every pruning and quantization method of the recipe table runs on a bare encoder, which still encodes sentences.</summary>
public sealed class EncoderCompressionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("encoder-compression-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>bert_uncased_tiny without its head and base prefix, as BertModel.save_pretrained writes it.</summary>
    private string BareEncoder()
    {
        string src = SharedData.Fixture("models", "bert_uncased_tiny"), dir = Path.Combine(_root, "encoder");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(src).Where(f => Path.GetFileName(f) != "model.safetensors")) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        config["architectures"] = new JsonArray("BertModel");
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        var writer = new SafeTensorsWriter();
        using (var file = SafeTensorsFile.Open(Path.Combine(src, "model.safetensors")))
            foreach (var t in file.Tensors.Where(t => !t.Name.StartsWith("cls.", StringComparison.Ordinal)))
                writer.Add(t.Name["bert.".Length..], file.ReadFloat32(t.Name), t.Shape);
        writer.Save(Path.Combine(dir, "model.safetensors"));
        return dir;
    }

    public static TheoryData<string, string> Methods()
    {
        var data = new TheoryData<string, string>();
        foreach (var m in RecipeMethods.All.Where(m => m.Available && m.Stage is RecipeMethods.Prune or RecipeMethods.Quantize)) data.Add(m.Stage, m.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryPruningAndQuantizationMethod_CompressesABareEncoder(string stage, string method)
    {
        string folder = BareEncoder();
        var encoder = SentenceEncoder.Load(folder);
        Assert.Equal(ModelKind.Encoder, encoder.Model.Kind);
        var text = Path.Combine(_root, "calibration.txt");
        File.WriteAllLines(text, ["The cat sat on the mat.", "Paris is the capital of France.", "A dog ran in the park.", "She plays the piano."]);
        var recipe = new Recipe
        {
            Stages = [new RecipeStage { Stage = stage, Method = method, Sparsity = method is "nm" or "fp16" or "bf16" or "dynamic-int8" or "rtn" or "gptq" ? null : 0.5 }],
            Calibration = new RecipeCalibration(text),
        };
        var calibration = CalibrationText.Load(recipe.Calibration, encoder.Tokenizer, encoder.Model);
        var compressed = RecipeRunner.Chain(recipe, "test").Fit(encoder.Model, calibration);

        Assert.Equal(ModelKind.Encoder, compressed.Model.Kind);
        Assert.NotEmpty(compressed.Changes);
        var vectors = encoder.With(compressed.Model).Encode(["The cat sat on the mat.", "A sentence the calibration never saw."]);
        Assert.All(vectors, v => Assert.All(v, x => Assert.True(float.IsFinite(x))));
        // Saved and loaded again as a compressed folder, it is still a bare encoder giving the same vectors.
        string saved = Path.Combine(_root, $"saved-{method}");
        compressed.Save(saved, new CompressedModel.SaveOptions { Source = folder });
        var reloaded = SentenceEncoder.Load(saved);
        Assert.Equal(ModelKind.Encoder, reloaded.Model.Kind);
        Assert.Equal(vectors, reloaded.Encode(["The cat sat on the mat.", "A sentence the calibration never saw."]));
    }
}
