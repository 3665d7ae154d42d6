using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Tests;

/// <summary>Each featurizer's values against the engine and the evaluators, computed here without the stage's code.</summary>
public class FeaturizerValueTests
{
    private readonly MLContext _ml = new(seed: 1);

    internal static float[][] Column(IDataView data, string name)
        => data.GetColumn<VBuffer<float>>(data.Schema[name]).Select(v => v.DenseValues().ToArray()).ToArray();

    internal static int[][] IntColumn(IDataView data, string name)
        => data.GetColumn<VBuffer<int>>(data.Schema[name]).Select(v => v.DenseValues().ToArray()).ToArray();

    /// <summary>The last hidden state [len, hidden] of one text, read from a direct forward.</summary>
    private static float[] Hidden(LanguageModel model, int[] ids)
        => model.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids)), new ForwardOptions { OutputHiddenStates = true }).HiddenStates[^1].ReadOnlySpan.ToArray();

    /// <summary>Pooling written out here: mean over all tokens, the first token, or the last.</summary>
    private static float[] Expected(LanguageModel model, Tokenizer tokenizer, string text, PoolingMode pooling, bool normalize)
    {
        var ids = tokenizer.Encode(text, truncation: true, maxLength: 128).Ids.ToArray();
        int h = model.HiddenSize;
        if (ids.Length == 0) return new float[h];
        var hidden = Hidden(model, ids);   // [len, hidden]
        var v = new double[h];
        for (int j = 0; j < h; j++)
            v[j] = pooling switch
            {
                PoolingMode.Cls => hidden[j],
                PoolingMode.LastToken => hidden[(ids.Length - 1) * h + j],
                _ => Enumerable.Range(0, ids.Length).Sum(t => (double)hidden[t * h + j]) / ids.Length,
            };
        double norm = normalize ? Math.Sqrt(v.Sum(x => x * x)) : 1;
        return v.Select(x => (float)(x / norm)).ToArray();
    }

    [Theory]
    [InlineData("bert", PoolingMode.Mean, false)]
    [InlineData("bert", PoolingMode.Cls, false)]
    [InlineData("bert", PoolingMode.Mean, true)]
    [InlineData("gpt2", PoolingMode.Mean, false)]
    [InlineData("gpt2", PoolingMode.LastToken, true)]
    public void Embed_equals_a_direct_forward_pooled_here(string which, PoolingMode pooling, bool normalize)
    {
        var (model, tokenizer) = which == "bert" ? Fixtures.Bert : Fixtures.Gpt2;
        var data = Fixtures.Texts(_ml, Fixtures.Sentences);
        var output = _ml.Transforms.LanguageModel().Embed(model, tokenizer, pooling: new Pooling([pooling]), normalize: normalize).Fit(data).Transform(data);
        var got = Column(output, "Embedding");
        for (int i = 0; i < Fixtures.Sentences.Length; i++)
        {
            var want = Expected(model, tokenizer, Fixtures.Sentences[i], pooling, normalize);
            Assert.Equal(want.Length, got[i].Length);
            for (int j = 0; j < want.Length; j++) Assert.Equal(want[j], got[i][j], 5e-6f);
        }
    }

    [Fact]
    public void Embed_of_the_hidden_states_as_HF_names_them_matches_LastHiddenState()
    {
        // The stage reads ModelOutput.LastHiddenState; the test above pools HiddenStates[^1]: they are one tensor.
        var (model, tokenizer) = Fixtures.Bert;
        var ids = tokenizer.EncodeToIds("one two three").ToArray();
        var output = model.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids)), new ForwardOptions { OutputHiddenStates = true });
        Assert.Equal(output.HiddenStates[^1].ReadOnlySpan.ToArray(), output.LastHiddenState!.ReadOnlySpan.ToArray());
    }

    [Fact]
    public void Cls_pooling_is_refused_for_a_causal_model()
    {
        var (model, tokenizer) = Fixtures.Gpt2;
        var e = Assert.Throws<ArgumentException>(() => _ml.Transforms.LanguageModel().Embed(model, tokenizer, pooling: new Pooling([PoolingMode.Cls])));
        Assert.Contains("cls pooling", e.Message);
    }

    [Fact]
    public void Embed_equals_the_engines_SentenceEncoder_and_concatenates_several_modes()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var pooling = new Pooling([PoolingMode.Cls, PoolingMode.Mean]);
        string[] texts = ["The capital of France is Paris.", "a short one"];
        var data = Fixtures.Texts(_ml, texts);
        var output = _ml.Transforms.LanguageModel().Embed(model, tokenizer, pooling: pooling, normalize: true).Fit(data).Transform(data);
        Assert.Equal(2 * model.HiddenSize, ((VectorDataViewType)output.Schema["Embedding"].Type).Size);
        var want = new SentenceEncoder(model, tokenizer, new SentenceEncoder.Options { Pooling = pooling, Normalize = true, MaxSeqLength = 128 }).Encode(texts);
        var got = Column(output, "Embedding");
        for (int i = 0; i < texts.Length; i++)
            for (int j = 0; j < want[i].Length; j++) Assert.Equal(want[i][j], got[i][j], 1e-6f);   // batched there, one row at a time here
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    public void TokenIds_are_the_tokenizers_ids_padded_with_the_pad_id_and_masked(string which)
    {
        var (model, tokenizer) = which == "bert" ? Fixtures.Bert : Fixtures.Gpt2;
        string[] texts = ["hello world", "", string.Join(" ", Enumerable.Repeat("word", 40))];
        var data = Fixtures.Texts(_ml, texts);
        var output = _ml.Transforms.LanguageModel().TokenIds(tokenizer, maxTokens: 32, model: model).Fit(data).Transform(data);
        var ids = IntColumn(output, "TokenIds");
        var mask = IntColumn(output, "AttentionMask");
        int pad = tokenizer.PadTokenId ?? model.Generation.PadTokenId ?? 0;
        for (int i = 0; i < texts.Length; i++)
        {
            var want = tokenizer.Encode(texts[i], truncation: true, maxLength: 32).Ids.ToArray();
            Assert.Equal([.. want, .. Enumerable.Repeat(pad, 32 - want.Length)], ids[i]);
            Assert.Equal([.. Enumerable.Repeat(1, want.Length), .. Enumerable.Repeat(0, 32 - want.Length)], mask[i]);
        }
        Assert.Equal(32, mask[2].Sum());   // the long text is cut to 32 tokens, its last being the tokenizer's closing token
    }

    /// <summary>log-softmax of one row of logits, in double.</summary>
    private static double LogProb(ReadOnlySpan<float> logits, int id)
    {
        double max = double.NegativeInfinity;
        foreach (float x in logits) max = Math.Max(max, x);
        double sum = 0;
        foreach (float x in logits) sum += Math.Exp(x - max);
        return logits[id] - max - Math.Log(sum);
    }

    [Fact]
    public void LogLikelihood_of_a_causal_model_sums_next_token_log_probabilities()
    {
        var (model, tokenizer) = Fixtures.Gpt2;
        var data = Fixtures.Texts(_ml, Fixtures.Sentences);
        var output = _ml.Transforms.LanguageModel().LogLikelihood(model, tokenizer).Fit(data).Transform(data);
        var ll = output.GetColumn<float>("LogLikelihood").ToArray();
        var ppl = output.GetColumn<float>("Perplexity").ToArray();
        var n = output.GetColumn<int>("ScoredTokens").ToArray();
        for (int i = 0; i < Fixtures.Sentences.Length; i++)
        {
            var ids = tokenizer.EncodeToIds(Fixtures.Sentences[i]).ToArray();
            if (ids.Length < 2)
            {
                Assert.True(float.IsNaN(ll[i]) && float.IsNaN(ppl[i]) && n[i] == 0);
                continue;
            }
            var logits = model.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids))).Logits;   // [1, len, vocab]
            int v = logits.Dim(-1);
            double sum = 0;
            for (int t = 0; t + 1 < ids.Length; t++) sum += LogProb(logits.ReadOnlySpan.Slice(t * v, v), ids[t + 1]);
            Assert.Equal(ids.Length - 1, n[i]);
            Assert.Equal(sum, ll[i], 1e-3);
            Assert.Equal(Math.Exp(-sum / (ids.Length - 1)), ppl[i], 1e-3 * ppl[i]);
        }
    }

    [Fact]
    public void LogLikelihood_of_a_masked_model_is_the_pseudo_log_likelihood()
    {
        var (model, tokenizer) = Fixtures.Bert;
        string text = "the cat sat on the mat";
        var data = Fixtures.Texts(_ml, [text]);
        var output = _ml.Transforms.LanguageModel().LogLikelihood(model, tokenizer).Fit(data).Transform(data);
        var ids = tokenizer.EncodeToIds(text).ToArray();   // [CLS] … [SEP]
        double sum = 0;
        for (int p = 1; p + 1 < ids.Length; p++)   // Salazar et al. 2020: every token but the special ones, masked one at a time
        {
            var masked = (int[])ids.Clone();
            masked[p] = tokenizer.MaskTokenId!.Value;
            var logits = model.Forward(new ModelInput(new TokenBatch(1, masked.Length, masked))).Logits;   // [1, len, vocab]
            int v = logits.Dim(-1);
            sum += LogProb(logits.ReadOnlySpan.Slice(p * v, v), ids[p]);
        }
        Assert.Equal(ids.Length - 2, output.GetColumn<int>("ScoredTokens").Single());
        Assert.Equal(sum, output.GetColumn<float>("LogLikelihood").Single(), 1e-3);
    }

    [Fact]
    public void FillMask_equals_the_probes_top_k_on_the_same_model()
    {
        var (model, tokenizer) = Fixtures.Bert;
        using var tmp = new TempFolder();
        File.WriteAllLines(tmp.File("P1.jsonl"), ["""{"sub_label": "alan", "obj_label": "paris", "uuid": "a"}""", """{"sub_label": "berlin", "obj_label": "germany", "uuid": "b"}"""]);
        const string template = "[X] was born in [Y] .";
        var probe = new LamaProbe(model, tokenizer, new LamaProbe.Options { Protocol = LamaProtocol.Namburi2023 })
            .Run(new LamaRelationSource("P1", tmp.File("P1.jsonl"), template));
        string[] sentences = ["alan was born in [MASK] .", "berlin was born in [MASK] ."];
        var data = Fixtures.Texts(_ml, sentences);
        var output = _ml.Transforms.LanguageModel().FillMask(model, tokenizer, topK: 5).Fit(data).Transform(data);
        var tokens = output.GetColumn<VBuffer<ReadOnlyMemory<char>>>(output.Schema["FilledTokens"]).Select(v => v.DenseValues().Select(m => m.ToString()).ToArray()).ToArray();
        var ids = IntColumn(output, "FilledTokenIds");
        var scores = Column(output, "FilledScores");
        for (int i = 0; i < sentences.Length; i++)
        {
            // The probe's Namburi et al. 2023 top 5: decoded, trimmed, lower-cased.
            Assert.Equal(probe.Facts[i].Top5, tokens[i].Select(t => t.Trim().ToLowerInvariant()).ToArray());
            Assert.Equal(probe.Facts[i].Top1Id, ids[i][0]);
            Assert.Equal(tokens[i], ids[i].Select(id => tokenizer.Decode([id], skipSpecialTokens: false)).ToArray());
            Assert.True(scores[i].Zip(scores[i].Skip(1)).All(p => p.First >= p.Second), "scores are best first");
            Assert.InRange(scores[i].Sum(), 0, 1);
        }
        // The probability of the best token, from a direct forward.
        var enc = tokenizer.EncodeToIds(sentences[0].Replace("[MASK]", tokenizer.MaskToken)).ToArray();
        int at = Array.IndexOf(enc, tokenizer.MaskTokenId!.Value);
        var logits = model.Forward(new ModelInput(new TokenBatch(1, enc.Length, enc))).Logits;
        int vocab = logits.Dim(-1);
        Assert.Equal(Math.Exp(LogProb(logits.ReadOnlySpan.Slice(at * vocab, vocab), ids[0][0])), scores[0][0], 1e-5);
    }

    [Fact]
    public void FillMask_without_a_mask_gives_empty_tokens_and_NaN_scores()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var data = Fixtures.Texts(_ml, ["no mask here"]);
        var output = _ml.Transforms.LanguageModel().FillMask(model, tokenizer, topK: 1).Fit(data).Transform(data);
        Assert.Equal(-1, IntColumn(output, "FilledTokenIds")[0][0]);
        Assert.True(float.IsNaN(Column(output, "FilledScores")[0][0]));
    }

    [Fact]
    public void FillMask_is_refused_for_a_causal_model()
    {
        var (model, tokenizer) = Fixtures.Gpt2;
        Assert.Contains("needs a masked LM", Assert.Throws<ArgumentException>(() => _ml.Transforms.LanguageModel().FillMask(model, tokenizer)).Message);
    }
}
