using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Opt;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>OPT layouts the fixture does not cover (the 350m post-norm with projections, no biases, no affine norms) and mask-derived positions.</summary>
public class OptTests
{
    private const int Vocab = 40, MaxPositions = 20, FfnDim = 24, Layers = 2;

    [Fact]
    public void ParameterCount_CountsTiedHeadOnce_AsHuggingFaceNumParameters()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "opt"));
        Assert.Equal(104064, model.ParameterCount()); // reference.json num_parameters_unique
        var embed = model.OtherTensors.Single(t => t.Key == "model.decoder.embed_tokens.weight").Value;
        Assert.Same(embed, ((DenseWeight)model.Linears.Single(l => l.Name == "lm_head").Weight).Value);
        Assert.Equal(LayerRole.AttentionQuery, model.Linears.Single(l => l.Name == "model.decoder.layers.1.self_attn.q_proj").Role);
        Assert.Equal(LayerRole.FfnUp, model.Linears.Single(l => l.Name == "model.decoder.layers.1.fc1").Role);
    }

    [Fact]
    public void Opt350mLayout_ProjectsInAndOut_AndRunsPostNorm()
    {
        // hidden 16, word_embed_proj_dim 8, do_layer_norm_before false: as facebook/opt-350m (1024 / 512), no final_layer_norm.
        using var dir = TempModel.Write(Config(16, 8, ("do_layer_norm_before", "false")), Tensors(16, 8, finalNorm: false));
        var model = (OptForCausalLM)ModelLoader.Load(dir.Path);
        Assert.NotNull(model.ProjectIn);
        Assert.NotNull(model.ProjectOut);
        Assert.Equal((8, 16), (model.ProjectIn!.InFeatures, model.ProjectIn.OutFeatures));
        Assert.Equal((16, 8), (model.ProjectOut!.InFeatures, model.ProjectOut.OutFeatures));
        Assert.Equal(LayerRole.Projection, model.ProjectIn.Role);
        Assert.Contains(model.Linears, l => l.Name == "model.decoder.project_out");

        var input = Input();
        var output = model.Forward(input, new ForwardOptions { OutputHiddenStates = true });
        Assert.Equal([2, 5, Vocab], output.Logits.Shape);
        Gpt2Tests.AssertFinite(output.Logits);
        Assert.Equal(Layers + 1, output.HiddenStates.Count);
        for (int i = 0; i < Layers; i++) Assert.Equal([2, 5, 16], output.HiddenStates[i].Shape);
        // HF's last hidden state comes after project_out, so it is word_embed_proj_dim wide.
        Assert.Equal([2, 5, 8], output.HiddenStates[Layers].Shape);
        Assert.Equal([2, 5, 8], output.LastHiddenState!.Shape);

        // Project_out is really applied: zeroing it zeroes the logits; project_in feeds the embeddings.
        var zeroOut = model.ProjectOut.Weight;
        model.ProjectOut.Weight = new DenseWeight(Tensor.Zeros(8, 16));
        Assert.All(model.Forward(input).Logits.Span.ToArray(), v => Assert.Equal(0f, v));
        model.ProjectOut.Weight = zeroOut;
        var projIn = model.ProjectIn.Weight;
        model.ProjectIn.Weight = new DenseWeight(Tensor.Zeros(16, 8));
        var noTokens = model.Forward(input, new ForwardOptions { OutputHiddenStates = true }).HiddenStates[0];
        // With project_in zeroed only the position embeddings remain: rows 0 of both batch rows are equal.
        Assert.Equal(noTokens.Span.Slice(0, 16).ToArray(), noTokens.Span.Slice(5 * 16, 16).ToArray());
        model.ProjectIn.Weight = projIn;
        Assert.Equal(0, Gpt2Tests.MaxDiff(output.Logits, model.Forward(input).Logits));
    }

    [Fact]
    public void PostNorm_DiffersFromPreNorm_OnTheSameWeights()
    {
        using var pre = TempModel.Write(Config(16, 16), Tensors(16, 16, finalNorm: true));
        using var post = TempModel.Write(Config(16, 16, ("do_layer_norm_before", "false")), Tensors(16, 16, finalNorm: true));
        var a = ModelLoader.Load(pre.Path).Forward(Input());
        var b = ModelLoader.Load(post.Path).Forward(Input());
        Assert.True(Gpt2Tests.MaxDiff(a.Logits, b.Logits) > 1e-3);
    }

    [Fact]
    public void RemoveFinalLayerNorm_LoadsWithoutIt()
    {
        using var dir = TempModel.Write(Config(16, 16, ("_remove_final_layer_norm", "true")), Tensors(16, 16, finalNorm: false));
        var model = ModelLoader.Load(dir.Path);
        Assert.DoesNotContain(model.OtherTensors, t => t.Key.Contains("decoder.final_layer_norm"));
        Gpt2Tests.AssertFinite(model.Forward(Input()).Logits);
    }

    [Fact]
    public void NoBiasesAndNoAffineNorms_LoadWithoutThoseKeys()
    {
        using var dir = TempModel.Write(
            Config(16, 16, ("enable_bias", "false"), ("layer_norm_elementwise_affine", "false")),
            Tensors(16, 16, finalNorm: true, bias: false, affine: false));
        var model = ModelLoader.Load(dir.Path);
        Assert.All(model.Linears, l => Assert.Null(l.Bias));
        Assert.DoesNotContain(model.OtherTensors, t => t.Key.Contains("layer_norm"));
        Gpt2Tests.AssertFinite(model.Forward(Input()).Logits);
    }

    [Fact]
    public void UnknownActivation_IsRejectedAtLoad()
    {
        using var dir = TempModel.Write(Config(16, 16, ("activation_function", "\"relu6\"")), Tensors(16, 16, finalNorm: true));
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("activation_function", e.Key);
    }

    [Fact]
    public void LeftPadding_DoesNotChangeRealTokens_BecausePositionsComeFromTheMask()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "opt"));
        int[] ids = [2, 431, 59, 66, 509];
        var plain = model.Forward(new ModelInput(new TokenBatch(1, 5, ids))).Logits; // [1, 5, vocab]
        var padded = model.Forward(new ModelInput(new TokenBatch(1, 7, [1, 1, .. ids], [0, 0, 1, 1, 1, 1, 1]))).Logits; // [1, 7, vocab]
        int v = model.VocabSize;
        var real = new Tensor(padded.Span.Slice(2 * v).ToArray(), 1, 5, v);
        Assert.True(Gpt2Tests.MaxDiff(plain, real) < 1e-5);
    }

    [Fact]
    public void ForwardCached_InPieces_MatchesOneForward_WithPadding()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "opt"));
        CausalCacheCheck.PiecesMatchWhole(model, Gpt2Tests.Fixture("opt"), split: 3);
    }

    [Fact]
    public void ForwardCached_Opt350mLayout_MatchesOneForward()
    {
        using var dir = TempModel.Write(Config(16, 8, ("do_layer_norm_before", "false")), Tensors(16, 8, finalNorm: false));
        var model = ModelLoader.Load(dir.Path);
        CausalCacheCheck.PiecesMatchWhole(model, Input(), split: 2);
    }

    private static ModelInput Input() => new(TokenBatch.FromRows([[2, 5, 9, 3, 7], [2, 4, 6]], padId: 1));

    private static string Config(int hidden, int proj, params (string Field, string Json)[] overrides)
    {
        var fields = new Dictionary<string, string>
        {
            ["model_type"] = "\"opt\"", ["vocab_size"] = $"{Vocab}", ["hidden_size"] = $"{hidden}", ["num_attention_heads"] = "2",
            ["num_hidden_layers"] = $"{Layers}", ["ffn_dim"] = $"{FfnDim}", ["max_position_embeddings"] = $"{MaxPositions}",
            ["word_embed_proj_dim"] = $"{proj}", ["activation_function"] = "\"relu\"", ["pad_token_id"] = "1",
        };
        foreach (var (f, j) in overrides) fields[f] = j;
        return "{" + string.Join(", ", fields.Select(kv => $"\"{kv.Key}\": {kv.Value}")) + "}";
    }

    /// <summary>The keys an OPTForCausalLM save_pretrained writes for this shape (lm_head dropped, tied).</summary>
    private static (string Key, int[] Shape)[] Tensors(int h, int proj, bool finalNorm, bool bias = true, bool affine = true)
    {
        const string d = "model.decoder";
        var list = new List<(string, int[])> { ($"{d}.embed_tokens.weight", [Vocab, proj]), ($"{d}.embed_positions.weight", [MaxPositions + 2, h]) };
        if (proj != h) list.AddRange([($"{d}.project_in.weight", [h, proj]), ($"{d}.project_out.weight", [proj, h])]);
        void Linear(string p, int o, int i) { list.Add(($"{p}.weight", [o, i])); if (bias) list.Add(($"{p}.bias", [o])); }
        void Norm(string p) { if (affine) list.AddRange([($"{p}.weight", [h]), ($"{p}.bias", [h])]); }
        for (int l = 0; l < Layers; l++)
        {
            string p = $"{d}.layers.{l}";
            foreach (var n in new[] { "q_proj", "k_proj", "v_proj", "out_proj" }) Linear($"{p}.self_attn.{n}", h, h);
            Norm($"{p}.self_attn_layer_norm");
            Linear($"{p}.fc1", FfnDim, h);
            Linear($"{p}.fc2", h, FfnDim);
            Norm($"{p}.final_layer_norm");
        }
        if (finalNorm) Norm($"{d}.final_layer_norm");
        return list.ToArray();
    }
}
