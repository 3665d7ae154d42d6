using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Quantization;

public class QuantizationEstimatorTests
{
    private const string TinyBert = """
        {"model_type":"bert","vocab_size":120,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
         "intermediate_size":128,"hidden_act":"gelu","max_position_embeddings":64,"type_vocab_size":2,"layer_norm_eps":1e-12}
        """;

    private static LanguageModel Model() => ModelLoader.CreateRandom(ConfigJson.Parse(TinyBert, "tiny bert (test)"), seed: 3);

    private static ModelInput Input() => new(new TokenBatch(2, 6, [5, 9, 17, 33, 2, 8, 11, 4, 90, 3, 7, 1]));

    private static CalibrationData Calibration()
    {
        var rng = new Random(4);
        return CalibrationData.FromSequences(Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 12).Select(_ => rng.Next(120)).ToArray()));
    }

    public static TheoryData<string> Stages => new() { "dynamic-int8", "dynamic-int8-pc", "fp16", "bf16", "rtn", "gptq" };

    private static IModelEstimator<ModelTransformer> Stage(string name, CompressionContext ctx) => name switch
    {
        "dynamic-int8" => ctx.Quantization.DynamicInt8(),
        "dynamic-int8-pc" => ctx.Quantization.DynamicInt8(ModuleGroup.Ffn, perChannel: true, QuantizationEngine.Qnnpack),
        "fp16" => ctx.Quantization.Float16(),
        "bf16" => ctx.Quantization.BFloat16(),
        "rtn" => ctx.Quantization.WeightOnly(bits: 4, groupSize: 32),
        _ => ctx.Quantization.Gptq(bits: 4, groupSize: 32),
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public void Fit_LeavesTheInputModelUnchanged_AndReportsEveryLayer(string name)
    {
        var model = Model();
        var before = model.Forward(Input()).Logits.Span.ToArray();
        var weightsBefore = model.Linears.Select(l => l.Weight).ToList();
        long bytesBefore = model.StorageBytes();
        var fitted = Stage(name, new CompressionContext(seed: 1)).Fit(model, Calibration());

        Assert.Equal(before, model.Forward(Input()).Logits.Span.ToArray());
        Assert.Equal(weightsBefore, model.Linears.Select(l => l.Weight).ToList());
        var group = name == "dynamic-int8-pc" ? ModuleGroup.Ffn : ModuleGroup.All;
        var expectedLayers = group.Select(model).Select(l => l.Name).ToList();
        Assert.Equal(expectedLayers, fitted.Changes.Select(c => c.Layer).ToList());
        int bits = name.StartsWith("dynamic") ? 8 : name is "fp16" or "bf16" ? 16 : 4;
        Assert.All(fitted.Changes, c => Assert.Equal(bits, c.Bits));
        Assert.All(fitted.Model.Linears.Where(l => expectedLayers.Contains(l.Name)), l => Assert.IsAssignableFrom<IPersistentWeight>(l.Weight));
        Assert.True(fitted.Model.StorageBytes() < bytesBefore);
        var after = fitted.Transform(Input()).Logits.Span.ToArray();
        Assert.Equal(before.Length, after.Length);
        Assert.All(after, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Gptq_WithoutCalibration_SaysWhatIsMissing()
        => Assert.Contains("calibration", Assert.Throws<ArgumentException>(() => new CompressionContext().Quantization.Gptq().Fit(Model())).Message);

    [Fact]
    public void BitPlan_SetsBitsPerLayer_AndRejectsUnknownLayers()
    {
        var model = Model();
        string q0 = "bert.encoder.layer.0.attention.self.query";
        var plan = new BitPlan(new Dictionary<string, int> { [q0] = 8, ["bert.encoder.layer.1.output.dense"] = 2 });
        var fitted = new CompressionContext().Quantization.WeightOnly(bits: 4, groupSize: 32, plan: plan).Fit(model);
        Assert.Equal(8, fitted.Changes.Single(c => c.Layer == q0).Bits);
        Assert.Equal(2, fitted.Changes.Single(c => c.Layer == "bert.encoder.layer.1.output.dense").Bits);
        Assert.Equal(4, ((KBitWeight)fitted.Model.Linears.Single(l => l.Name == "bert.encoder.layer.1.attention.self.key").Weight).Bits);
        var typo = new BitPlan(new Dictionary<string, int> { ["bert.encoder.layer.9.nope"] = 4 });
        Assert.Contains("layer.9.nope", Assert.Throws<ArgumentException>(() => new CompressionContext().Quantization.WeightOnly(plan: typo).Fit(model)).Message);
    }

    [Fact]
    public void BitPlan_FromJson_NamesTheBadEntry()
    {
        string path = Path.Combine(Path.GetTempPath(), "plan-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            File.WriteAllText(path, """{"a.b": 3, "c.d": 12}""");
            var e = Assert.Throws<CheckpointException>(() => BitPlan.Load(path));
            Assert.Contains("c.d", e.Message);
            Assert.Contains(path, e.Message);
            File.WriteAllText(path, """{"a.b": 3}""");
            Assert.Equal(3, BitPlan.Load(path).BitsFor("a.b", 4));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Chain_PrunesNothingButQuantizesTwice_EachStageOnThePreviousModel()
    {
        var ctx = new CompressionContext(seed: 1);
        var chain = ctx.Quantization.Float16(ModuleGroup.AttentionQkv).Append(ctx.Quantization.DynamicInt8(ModuleGroup.Ffn));
        var fitted = chain.Fit(Model());
        Assert.All(fitted.Model.Linears.Where(ModuleGroup.AttentionQkv.Contains), l => Assert.Equal("f16", l.Weight.Format));
        Assert.All(fitted.Model.Linears.Where(ModuleGroup.Ffn.Contains), l => Assert.Equal(Int8Weight.PerTensorFormat, l.Weight.Format));
    }
}
