using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.T5;
using MLNet.Compression.Tensors;
using Xunit.Abstractions;

namespace MLNet.Compression.Tests.Modeling;

public class T5Tests(ITestOutputHelper output)
{
    [Fact]
    public void T5Tiny_FullVocabularyLogitsAndLabelLogProbs_MatchHuggingFace()
    {
        using var fx = new ReferenceFixture("t5_tiny");
        var model = ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var logits = model.Forward(input).Logits; // [batch, tgt, vocab]
        int batch = logits.Dim(0), tgt = logits.Dim(1), vocab = logits.Dim(2);

        var last = fx.Ints("decoder_last_positions");
        var rows = Tensor.Zeros(batch, vocab);
        for (int b = 0; b < batch; b++) logits.ReadOnlySpan.Slice((b * tgt + last[b]) * vocab, vocab).CopyTo(rows.Span.Slice(b * vocab, vocab));
        double d = TensorAssert.CloseAtMask("t5_tiny logits_at_decoder_last", fx.Float("logits_at_decoder_last"), rows, null);

        var labels = fx.Ints("labels");
        var lp = Tensor.Zeros(batch, tgt, 1);
        var scratch = new float[vocab];
        for (int r = 0; r < batch * tgt; r++)
        {
            TensorOps.LogSoftmaxRow(logits.ReadOnlySpan.Slice(r * vocab, vocab), scratch);
            lp.Span[r] = scratch[labels[r] < 0 ? 0 : labels[r]];
        }
        var expected = fx.Float("label_log_probs").Reshape(batch, tgt, 1);
        var mask = labels.Select(l => l < 0 ? 0 : 1).ToArray();
        d = Math.Max(d, TensorAssert.CloseAtMask("t5_tiny label_log_probs", expected, lp, mask));
        output.WriteLine($"t5_tiny full-vocabulary max |diff| {d:E2}");
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("t5_v1_1")]
    [InlineData("t5_tiny")]
    [InlineData("bart")]
    public void ParameterCount_CountsTiedWeightsOnce_AsHuggingFace(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        var model = ModelLoader.Load(fx.Folder);
        Assert.Equal(fx.Json.GetProperty("num_parameters_unique").GetInt64(), model.ParameterCount());
    }

    [Fact]
    public void TiedHead_SharesTheEmbeddingTensor_UntiedHeadDoesNot()
    {
        var v10 = ModelLoader.Load(SharedData.Fixture("models", "t5"));
        var v11 = ModelLoader.Load(SharedData.Fixture("models", "t5_v1_1"));
        Tensor Shared(LanguageModel m) => m.OtherTensors.Single(t => t.Key == "shared.weight").Value;
        Tensor Head(LanguageModel m) => ((DenseWeight)m.Linears.Single(l => l.Name == "lm_head").Weight).Value;
        Assert.Same(Shared(v10), Head(v10));
        Assert.NotSame(Shared(v11), Head(v11));
    }

    [Theory]
    // bidirectional (encoder), 32 buckets → 16 per direction, 8 exact; logarithmic beyond, capped at 15 (+16 for keys after the query)
    [InlineData(0, true, 0)]
    [InlineData(-1, true, 1)]
    [InlineData(1, true, 17)]
    [InlineData(-7, true, 7)]
    [InlineData(-8, true, 8)]
    [InlineData(-16, true, 10)] // 8 + floor(log(2)/log(16)·8) = 8 + 2, an exact boundary
    [InlineData(32, true, 28)]  // 16 + 8 + 4
    [InlineData(-200, true, 15)]
    [InlineData(500, true, 31)]
    // unidirectional (decoder): keys after the query all map to bucket 0; 16 exact, then log up to 128
    [InlineData(3, false, 0)]
    [InlineData(-15, false, 15)]
    [InlineData(-20, false, 17)] // 16 + floor(log(1.25)/log(8)·16) = 16 + 1
    [InlineData(-127, false, 31)]
    [InlineData(-1000, false, 31)]
    public void RelativePositionBucket_FollowsTheMeshTensorFlowScheme(int relative, bool bidirectional, int expected)
        => Assert.Equal(expected, T5Attention.RelativePositionBucket(relative, bidirectional, 32, 128));

    [Fact]
    public void LogitPositions_ReturnTheSameRowsAsTheFullLogits()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "t5"));
        var input = Seq2SeqTestModels.Input("t5");
        var full = model.Forward(input).Logits;
        int vocab = full.Dim(-1);
        int[] picked = [0, 4, 6];
        var some = model.Forward(input, new ForwardOptions { LogitPositions = picked }).Logits;
        Assert.Equal(new[] { picked.Length, vocab }, some.Shape);
        for (int i = 0; i < picked.Length; i++)
            Assert.Equal(full.ReadOnlySpan.Slice(picked[i] * vocab, vocab).ToArray(), some.ReadOnlySpan.Slice(i * vocab, vocab).ToArray());
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("bart")]
    public void Decoder_IsCausal_AndIgnoresPaddedSourceTokens(string arch)
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", arch));
        var input = Seq2SeqTestModels.Input(arch);
        var baseLogits = model.Forward(input).Logits;
        int tgt = input.Decoder!.Length, src = input.Tokens.Length, vocab = baseLogits.Dim(-1);

        // A later decoder token cannot change earlier positions.
        var dec = (int[])input.Decoder.Ids.Clone();
        dec[tgt - 1] = (dec[tgt - 1] + 7) % vocab;
        var changed = model.Forward(input with { Decoder = new TokenBatch(input.Decoder.Batch, tgt, dec, input.Decoder.Mask) }).Logits;
        Assert.Equal(baseLogits.ReadOnlySpan.Slice(0, (tgt - 1) * vocab).ToArray(), changed.ReadOnlySpan.Slice(0, (tgt - 1) * vocab).ToArray());

        // Row 1 of the source is padded at its end: the padded ids must not matter.
        var ids = (int[])input.Tokens.Ids.Clone();
        int padAt = Array.LastIndexOf(input.Tokens.Mask, 0);
        Assert.True(padAt >= src, "fixture row 1 is expected to have padding");
        ids[padAt] = (ids[padAt] + 5) % vocab;
        var padded = model.Forward(input with { Tokens = new TokenBatch(input.Tokens.Batch, src, ids, input.Tokens.Mask) }).Logits;
        Assert.Equal(baseLogits.ReadOnlySpan.ToArray(), padded.ReadOnlySpan.ToArray());
    }

    [Fact]
    public void EncodeOnceThenDecode_EqualsForward()
    {
        var model = (Seq2SeqLanguageModel)ModelLoader.Load(SharedData.Fixture("models", "t5_v1_1"));
        var input = Seq2SeqTestModels.Input("t5_v1_1");
        var enc = model.Encode(input.Tokens);
        Assert.Equal(model.Forward(input).Logits.ReadOnlySpan.ToArray(), model.Decode(enc, input.Decoder!).Logits.ReadOnlySpan.ToArray());
    }

    [Fact]
    public void FeedForwardProj_GatedSilu_SelectsSilu_UnlessDenseActFnOverridesIt()
    {
        // HF: T5Config derives dense_act_fn from feed_forward_proj, then config.json kwargs overwrite it.
        var silu = (T5ForConditionalGeneration)Seq2SeqTestModels.Load("t5_v1_1", c => { c["feed_forward_proj"] = "gated-silu"; c.Remove("dense_act_fn"); c.Remove("is_gated_act"); });
        Assert.Equal(Activation.Silu, silu.T5Config.DenseAct);
        Assert.True(silu.T5Config.IsGatedAct);
        var overridden = (T5ForConditionalGeneration)Seq2SeqTestModels.Load("t5_v1_1", c => c["feed_forward_proj"] = "gated-silu");
        Assert.Equal(Activation.GeluTanh, overridden.T5Config.DenseAct);

        var gelu = ModelLoader.Load(SharedData.Fixture("models", "t5_v1_1"));
        var input = Seq2SeqTestModels.Input("t5_v1_1");
        Assert.NotEqual(gelu.Forward(input).Logits.ReadOnlySpan.ToArray(), silu.Forward(input).Logits.ReadOnlySpan.ToArray());
        Assert.Equal(gelu.Forward(input).Logits.ReadOnlySpan.ToArray(), overridden.Forward(input).Logits.ReadOnlySpan.ToArray());
        Assert.Contains(silu.Linears, l => l.Name == "decoder.block.1.layer.2.DenseReluDense.wi_0" && l.Role == LayerRole.FfnGate);
    }

    [Theory]
    [InlineData("feed_forward_proj", "gated-gelu-fast")]
    [InlineData("feed_forward_proj", "fancy-relu")]
    [InlineData("feed_forward_proj", "mish")]
    [InlineData("dense_act_fn", "mish")]
    public void UnsupportedFeedForwardSettings_FailAtLoad_NamingTheField(string field, string value)
    {
        var e = Assert.Throws<CheckpointException>(() => Seq2SeqTestModels.Load("t5", c => { c.Remove("dense_act_fn"); c[field] = value; }));
        Assert.Equal(field, e.Key);
    }

    [Fact]
    public void NumDecoderLayers_DefaultsToNumLayers_AndCanDiffer()
    {
        var same = (T5ForConditionalGeneration)Seq2SeqTestModels.Load("t5", c => c.Remove("num_decoder_layers"));
        Assert.Equal(2, same.T5Config.DecoderLayers);
        var shallow = Seq2SeqTestModels.Load("t5", c => c["num_decoder_layers"] = 1);
        Assert.Equal(3, shallow.LayerCount);
        Assert.DoesNotContain(shallow.Linears, l => l.Name.StartsWith("decoder.block.1.", StringComparison.Ordinal));
        var result = shallow.Forward(Seq2SeqTestModels.Input("t5"), new ForwardOptions { OutputHiddenStates = true });
        Assert.Equal(2, result.DecoderHiddenStates.Count);
        Assert.Equal(3, result.EncoderHiddenStates.Count);
    }

    [Fact]
    public void MissingWeight_ForAConfiguredShape_FailsNamingTheKey()
    {
        var e = Assert.Throws<CheckpointException>(() => Seq2SeqTestModels.Load("t5", c => c["d_kv"] = 8));
        Assert.Equal("encoder.block.0.layer.0.SelfAttention.q.weight", e.Key);
    }

    [Fact]
    public void ForwardWithoutDecoderTokens_Throws()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "t5"));
        var input = Seq2SeqTestModels.Input("t5");
        Assert.Throws<ArgumentException>(() => model.Forward(input with { Decoder = null }));
    }

    [Fact]
    public void SpecialIds_UseT5ConfigDefaults()
    {
        var model = Seq2SeqTestModels.Load("t5", c => { c.Remove("eos_token_id"); c.Remove("pad_token_id"); });
        Assert.Equal(new[] { 1 }, model.Generation.EosTokenIds);
        Assert.Equal(0, model.Generation.PadTokenId);
        var noEos = Seq2SeqTestModels.Load("t5", c => c["eos_token_id"] = null);
        Assert.Empty(noEos.Generation.EosTokenIds);
    }
}
