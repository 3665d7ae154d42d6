using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tests.IO;

namespace MLNet.Compression.Tests.IO;

/// <summary>A copy of the tiny BERT fixture, broken in one way per test.</summary>
public class ModelFolderErrorTests
{
    private static TempDir CopyOfBert(Func<string, string>? editConfig = null, string? dropKey = null, Func<string, int[], int[]>? reshape = null)
    {
        var dir = new TempDir();
        string src = SharedData.Fixture("models", "bert");
        string config = File.ReadAllText(Path.Combine(src, "config.json"));
        File.WriteAllText(dir.File("config.json"), editConfig is null ? config : editConfig(config));
        using var f = SafeTensorsFile.Open(Path.Combine(src, "model.safetensors"));
        var w = new SafeTensorsWriter();
        foreach (var t in f.Tensors)
        {
            if (t.Name == dropKey) continue;
            var data = f.ReadFloat32(t.Name);
            var shape = reshape?.Invoke(t.Name, t.Shape) ?? t.Shape;
            if (shape.Aggregate(1, (a, b) => a * b) != data.Length) data = new float[shape.Aggregate(1, (a, b) => a * b)];
            w.Add(t.Name, data, shape);
        }
        w.Save(dir.File("model.safetensors"));
        return dir;
    }

    [Fact]
    public void MissingWeight_NamesTheKeyAndExpectedShape()
    {
        using var dir = CopyOfBert(dropKey: "bert.encoder.layer.1.intermediate.dense.weight");
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("bert.encoder.layer.1.intermediate.dense.weight", e.Key);
        Assert.Contains("missing weight", e.Message);
        Assert.Contains("[128, 64]", e.Message);
    }

    [Fact]
    public void WeightOfWrongShape_NamesFileKeyAndBothShapes()
    {
        using var dir = CopyOfBert(reshape: (k, s) => k == "bert.encoder.layer.0.attention.self.query.weight" ? [64, 32] : s);
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Contains("model.safetensors", e.FilePath);
        Assert.Contains("[64, 32]", e.Message);
        Assert.Contains("[64, 64]", e.Message);
    }

    [Fact]
    public void UnknownModelType_ListsSupportedTypes()
    {
        using var dir = CopyOfBert(c => c.Replace("\"model_type\": \"bert\"", "\"model_type\": \"mamba\""));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("model_type", e.Key);
        Assert.Contains("\"mamba\"", e.Message);
        Assert.Contains("bert", e.Message);
        Assert.EndsWith("config.json", e.FilePath);
    }

    [Fact]
    public void MissingModelType_IsAMissingRequiredField()
    {
        using var dir = CopyOfBert(c => c.Replace("\"model_type\": \"bert\",", ""));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("model_type", e.Key);
        Assert.Contains("missing required field", e.Message);
    }

    [Fact]
    public void ConfigFieldOfWrongType_NamesFieldAndExpectedType()
    {
        using var dir = CopyOfBert(c => c.Replace("\"hidden_size\": 64", "\"hidden_size\": \"sixty-four\""));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("hidden_size", e.Key);
        Assert.Contains("expected an integer", e.Message);
    }

    [Fact]
    public void HiddenSizeNotDivisibleByHeads_IsReported()
    {
        using var dir = CopyOfBert(c => c.Replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5"));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("hidden_size", e.Key);
        Assert.Contains("not a multiple", e.Message);
    }

    [Fact]
    public void UnsupportedActivation_ListsSupportedNames()
    {
        using var dir = CopyOfBert(c => c.Replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"mish\""));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("hidden_act", e.Key);
        Assert.Contains("gelu_new", e.Message);
    }

    [Fact]
    public void UntiedDecoderAbsent_IsAMissingWeight()
    {
        using var dir = CopyOfBert(c => c.Replace("\"model_type\": \"bert\",", "\"model_type\": \"bert\", \"tie_word_embeddings\": false,"));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("cls.predictions.decoder.weight", e.Key);
    }
}
