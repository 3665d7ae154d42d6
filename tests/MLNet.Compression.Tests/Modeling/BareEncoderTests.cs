using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>
/// Bare encoder checkpoints (BertModel, RobertaModel, DistilBertModel, AlbertModel) made from the masked-LM fixtures by
/// dropping the head, with and without the base-model prefix, with and without a pooler: they load as
/// <see cref="ModelKind.Encoder"/> and give Hugging Face's hidden states of the masked-LM reference.
/// </summary>
public sealed class BareEncoderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bare-encoder-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>The head's key prefixes of each masked-LM fixture, and the class name of its bare model.</summary>
    private static (string[] Head, string BareClass, string PoolerKey) Family(string arch) => arch switch
    {
        "bert" => (["cls."], "BertModel", "pooler.dense"),
        "roberta" => (["lm_head."], "RobertaModel", "pooler.dense"),
        "distilbert" => (["vocab_"], "DistilBertModel", ""),
        "albert" => (["predictions."], "AlbertModel", "pooler"),
        _ => throw new ArgumentException(arch),
    };

    /// <summary>
    /// The fixture without its head (and without "{arch}." on every key unless <paramref name="keepPrefix"/>), config.json
    /// naming the bare class; with <paramref name="pooler"/> a random pooler is added. Returns the folder and the pooler.
    /// </summary>
    private (string Folder, float[]? PoolerWeight, float[]? PoolerBias) Bare(string arch, bool keepPrefix, bool pooler)
    {
        var (head, bareClass, poolerKey) = Family(arch);
        string src = SharedData.Fixture("models", arch), dir = Path.Combine(_root, $"{arch}-{keepPrefix}-{pooler}");
        Directory.CreateDirectory(dir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!.AsObject();
        config["architectures"] = new JsonArray(bareClass);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        var writer = new SafeTensorsWriter();
        using (var file = SafeTensorsFile.Open(Path.Combine(src, "model.safetensors")))
            foreach (var t in file.Tensors)
            {
                if (head.Any(h => t.Name.StartsWith(h, StringComparison.Ordinal))) continue;
                string name = keepPrefix ? t.Name : t.Name[(arch.Length + 1)..];
                writer.Add(name, file.ReadFloat32(t.Name), t.Shape);
            }
        float[]? w = null, b = null;
        if (pooler)
        {
            int h = config["hidden_size"]!.GetValue<int>();
            var rng = new Random(5);
            w = Enumerable.Range(0, h * h).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.4f).ToArray();
            b = Enumerable.Range(0, h).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray();
            string key = (keepPrefix ? arch + "." : "") + poolerKey;
            writer.Add(key + ".weight", w, h, h).Add(key + ".bias", b, h);
        }
        writer.Save(Path.Combine(dir, "model.safetensors"));
        return (dir, w, b);
    }

    public static TheoryData<string, bool, bool> Cases()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var arch in new[] { "bert", "roberta", "distilbert", "albert" })
            foreach (var prefix in new[] { false, true })
                foreach (var pooler in arch == "distilbert" ? new[] { false } : new[] { false, true })
                    data.Add(arch, prefix, pooler);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ABareEncoder_GivesTheMaskedLmReferencesHiddenStates(string arch, bool keepPrefix, bool pooler)
    {
        var (folder, w, b) = Bare(arch, keepPrefix, pooler);
        using var reference = new ReferenceFixture(arch);
        var model = ModelLoader.Load(folder);

        Assert.Equal(ModelKind.Encoder, model.Kind);
        Assert.DoesNotContain(model.Linears, l => l.Role == LayerRole.Head);
        var input = reference.Input();
        var output = model.Forward(input, new ForwardOptions { OutputHiddenStates = true });
        Assert.Equal(0, output.Logits.Length);
        int layers = output.HiddenStates.Count;
        Assert.Equal(model.LayerCount + 1, layers);
        for (int i = 0; i < layers; i++)
            TensorAssert.CloseAtMask($"{arch} hidden_states.{i}", reference.Float($"hidden_states.{i}"), output.HiddenStates[i], input.Tokens.Mask);

        if (!pooler)
        {
            Assert.Null(output.PoolerOutput);
            return;
        }
        // BertPooler: tanh(W·h[first token] + b), computed here by hand from the reference's last hidden state.
        var last = reference.Float($"hidden_states.{layers - 1}");
        int batch = last.Dim(0), seq = last.Dim(1), h = last.Dim(2);
        var pooled = output.PoolerOutput!;
        Assert.Equal(new[] { batch, h }, pooled.Shape);
        for (int r = 0; r < batch; r++)
            for (int o = 0; o < h; o++)
            {
                double z = b![o];
                for (int i = 0; i < h; i++) z += w![o * h + i] * last.ReadOnlySpan[r * seq * h + i];
                Assert.True(Math.Abs(Math.Tanh(z) - pooled.ReadOnlySpan[r * h + o]) < 1e-4, $"pooler[{r}, {o}]: {pooled.ReadOnlySpan[r * h + o]} vs {Math.Tanh(z)}");
            }
    }

    [Fact]
    public void TheMaskedLmFixtures_StillLoadWithTheirHeads()
    {
        foreach (var arch in new[] { "bert", "roberta", "distilbert", "albert" })
            Assert.Equal(ModelKind.MaskedLM, ModelLoader.Load(SharedData.Fixture("models", arch)).Kind);
    }

    [Fact]
    public void ARandomModel_FollowsTheArchitecturesOfItsConfig()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Fixture("models", "bert"), "config.json")))!.AsObject();
        json["architectures"] = new JsonArray("BertModel");
        Assert.Equal(ModelKind.Encoder, ModelLoader.CreateRandom(ConfigJson.Parse(json.ToJsonString(), "bare.json")).Kind);
        json["architectures"] = new JsonArray("BertForMaskedLM");
        Assert.Equal(ModelKind.MaskedLM, ModelLoader.CreateRandom(ConfigJson.Parse(json.ToJsonString(), "mlm.json")).Kind);
    }
}
