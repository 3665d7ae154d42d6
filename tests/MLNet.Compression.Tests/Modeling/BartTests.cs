using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Bart;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

public class BartTests
{
    private static Tensor Named(LanguageModel m, string key) => m.OtherTensors.Single(t => t.Key == key).Value;

    [Fact]
    public void ForwardWithoutDecoderTokens_ShiftsTheSourceRight_AsBartModel()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "bart"));
        var input = Seq2SeqTestModels.Input("bart");
        int batch = input.Tokens.Batch, t = input.Tokens.Length;
        var shifted = new int[batch * t];
        for (int b = 0; b < batch; b++)
        {
            shifted[b * t] = 2; // decoder_start_token_id
            for (int i = 1; i < t; i++) shifted[b * t + i] = input.Tokens.Ids[b * t + i - 1];
        }
        var expected = model.Forward(input with { Decoder = new TokenBatch(batch, t, shifted) }).Logits;
        var actual = model.Forward(input with { Decoder = null }).Logits;
        Assert.Equal(expected.ReadOnlySpan.ToArray(), actual.ReadOnlySpan.ToArray());
    }

    [Fact]
    public void ScaleEmbedding_MultipliesTokenEmbeddingsBySqrtDModel_NotPositions()
    {
        var model = Seq2SeqTestModels.Load("bart", c => c["scale_embedding"] = true);
        var input = Seq2SeqTestModels.Input("bart");
        var states = model.Forward(input, new ForwardOptions { OutputHiddenStates = true }).EncoderHiddenStates;
        int batch = input.Tokens.Batch, t = input.Tokens.Length, d = model.HiddenSize;

        var x = TensorOps.Embedding(Named(model, "model.shared.weight"), input.Tokens.Ids);
        TensorOps.Scale(x, MathF.Sqrt(d));
        TensorOps.AddInPlace(x, TensorOps.Embedding(Named(model, "model.encoder.embed_positions.weight"), Positions.Arange(batch, t, past: 2)));
        var expected = TensorOps.LayerNorm(x.Reshape(batch, t, d), Named(model, "model.encoder.layernorm_embedding.weight").ReadOnlySpan,
            Named(model, "model.encoder.layernorm_embedding.bias").ReadOnlySpan, 1e-5f);
        TensorAssert.CloseAtMask("scaled embeddings", expected, states[0], null, atol: 1e-6, rtol: 1e-6);
    }

    [Fact]
    public void UntiedHead_NeedsLmHeadWeight_AndUsesIt()
    {
        var e = Assert.Throws<CheckpointException>(() => Seq2SeqTestModels.Load("bart", c => c["tie_word_embeddings"] = false));
        Assert.Equal("lm_head.weight", e.Key);

        var model = Seq2SeqTestModels.Load("bart", c => c["tie_word_embeddings"] = false,
            w => w.Add("lm_head.weight", new float[512 * 64], 512, 64));
        var logits = model.Forward(Seq2SeqTestModels.Input("bart")).Logits;
        var bias = Named(model, "final_logits_bias").ReadOnlySpan.ToArray();
        // A zero head leaves only final_logits_bias.
        Assert.Equal(bias, logits.ReadOnlySpan.Slice(0, 512).ToArray());
    }

    [Fact]
    public void FinalLogitsBias_IsABuffer_ZeroWhenAbsent()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "bart"));
        Assert.True(model.OtherTensors.Single(t => t.Key == "final_logits_bias").IsBuffer);
        var without = Seq2SeqTestModels.Load("bart", drop: ["final_logits_bias"]);
        Assert.All(Named(without, "final_logits_bias").ReadOnlySpan.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void GenerationIds_FollowBartConfigDefaults_AndLegacyForceBos()
    {
        var defaults = Seq2SeqTestModels.Load("bart", c =>
        {
            foreach (var k in new[] { "forced_eos_token_id", "decoder_start_token_id", "eos_token_id", "bos_token_id", "pad_token_id" }) c.Remove(k);
        });
        Assert.Equal(2, defaults.Generation.ForcedEosTokenId);
        Assert.Equal(2, defaults.Generation.DecoderStartTokenId);
        Assert.Equal(new[] { 2 }, defaults.Generation.EosTokenIds);
        Assert.Equal(0, defaults.Generation.BosTokenId);
        Assert.Equal(1, defaults.Generation.PadTokenId);
        Assert.Null(defaults.Generation.ForcedBosTokenId);

        var explicitNull = Seq2SeqTestModels.Load("bart", c => c["forced_eos_token_id"] = null);
        Assert.Null(explicitNull.Generation.ForcedEosTokenId);

        var cnn = Seq2SeqTestModels.Load("bart", c => c["force_bos_token_to_be_generated"] = true);
        Assert.Equal(0, cnn.Generation.ForcedBosTokenId);
    }

    [Theory]
    [InlineData("encoder_attention_heads", 5, "d_model")]
    [InlineData("decoder_attention_heads", 3, "d_model")]
    [InlineData("activation_function", "mish", "activation_function")]
    public void BadConfigValues_FailAtLoad_NamingTheField(string field, object value, string expectedKey)
    {
        var e = Assert.Throws<CheckpointException>(() => Seq2SeqTestModels.Load("bart", c =>
            c[field] = value is int i ? System.Text.Json.Nodes.JsonValue.Create(i) : System.Text.Json.Nodes.JsonValue.Create((string)value)));
        Assert.Equal(expectedKey, e.Key);
    }

    [Fact]
    public void InputLongerThanMaxPositions_IsRejected()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "bart"));
        Assert.Equal(64, model.MaxPositions);
        var ids = Enumerable.Repeat(5, 65).ToArray();
        Assert.Throws<ArgumentException>(() => model.Forward(new ModelInput(new TokenBatch(1, 65, ids), Decoder: new TokenBatch(1, 1, [2]))));
    }

    [Fact]
    public void LayerRoles_AreRegisteredWithHuggingFaceNames()
    {
        var model = (BartForConditionalGeneration)ModelLoader.Load(SharedData.Fixture("models", "bart"));
        Assert.Contains(model.Linears, l => l.Name == "model.decoder.layers.1.encoder_attn.q_proj" && l.Role == LayerRole.AttentionQuery);
        Assert.Contains(model.Linears, l => l.Name == "model.encoder.layers.0.fc2" && l.Role == LayerRole.FfnDown);
        Assert.Equal(LayerRole.Head, model.Linears[^1].Role);
        Assert.Equal(2 * 6 + 2 * 10 + 1, model.Linears.Count);
    }
}
