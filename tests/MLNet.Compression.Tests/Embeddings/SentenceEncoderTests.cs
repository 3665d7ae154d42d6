using System.Text.Json.Nodes;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Embeddings;

/// <summary>
/// Pooling on hand-worked numbers, and sentence-transformers folders (bert_uncased_tiny as module 0) whose vectors equal the
/// pooling of a plain forward pass computed here, for every mode, with Dense and Normalize modules, lower-casing and
/// max_seq_length.
/// </summary>
public sealed class SentenceEncoderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sentence-encoder-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static readonly string[] Texts = ["The cat sat on the mat.", "Paris is the capital of France and a large city.", "Hello"];

    [Fact]
    public void Pooling_OnHandWorkedNumbers()
    {
        // One row of three tokens (the third is padding), hidden 2: t0 = (1, 4), t1 = (3, -2), pad = (100, 100).
        var tokens = new Tensor([1, 4, 3, -2, 100, 100], 1, 3, 2);
        int[] mask = [1, 1, 0];
        float[] Pool(params PoolingMode[] modes) => new Pooling(modes).Pool(tokens, mask)[0];

        Assert.Equal(new[] { 1f, 4f }, Pool(PoolingMode.Cls));
        Assert.Equal(new[] { 2f, 1f }, Pool(PoolingMode.Mean));                        // (1+3)/2, (4−2)/2
        Assert.Equal(new[] { 3f, 4f }, Pool(PoolingMode.Max));
        Assert.Equal(new[] { (float)(4 / Math.Sqrt(2)), (float)(2 / Math.Sqrt(2)) }, Pool(PoolingMode.MeanSqrtLen));
        Assert.Equal(new[] { 7f / 3, 0f }, Pool(PoolingMode.WeightedMean));            // (1·1 + 2·3)/3, (1·4 − 2·2)/3
        Assert.Equal(new[] { 3f, -2f }, Pool(PoolingMode.LastToken));                  // the last real token, not the padding
        Assert.Equal(new[] { 1f, 4f, 2f, 1f }, Pool(PoolingMode.Mean, PoolingMode.Cls)); // concatenated in sentence-transformers' order
        var v = new[] { 3f, 4f };
        Pooling.Normalize(v);
        Assert.Equal(new[] { 0.6f, 0.8f }, v);
    }

    /// <summary>bert_uncased_tiny as a sentence-transformers folder: modules.json, 1_Pooling, optional 2_Dense and 3_Normalize.</summary>
    private string Folder(string name, PoolingMode mode, bool normalize, (float[] W, float[] B, int Out)? dense = null, int? maxSeqLength = null, bool lower = false)
    {
        string dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(SharedData.Fixture("models", "bert_uncased_tiny"))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var modules = new JsonArray(
            new JsonObject { ["idx"] = 0, ["name"] = "0", ["path"] = "", ["type"] = "sentence_transformers.models.Transformer" },
            new JsonObject { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" });
        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        string Flag(PoolingMode m) => mode == m ? "true" : "false";
        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), $$"""
            {"word_embedding_dimension": 32, "pooling_mode_cls_token": {{Flag(PoolingMode.Cls)}}, "pooling_mode_mean_tokens": {{Flag(PoolingMode.Mean)}},
             "pooling_mode_max_tokens": {{Flag(PoolingMode.Max)}}, "pooling_mode_mean_sqrt_len_tokens": {{Flag(PoolingMode.MeanSqrtLen)}},
             "pooling_mode_weightedmean_tokens": {{Flag(PoolingMode.WeightedMean)}}, "pooling_mode_lasttoken": {{Flag(PoolingMode.LastToken)}}, "include_prompt": true}
            """);
        if (dense is { } d)
        {
            modules.Add(new JsonObject { ["idx"] = 2, ["name"] = "2", ["path"] = "2_Dense", ["type"] = "sentence_transformers.models.Dense" });
            Directory.CreateDirectory(Path.Combine(dir, "2_Dense"));
            File.WriteAllText(Path.Combine(dir, "2_Dense", "config.json"), $$"""{"in_features": 32, "out_features": {{d.Out}}, "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"}""");
            new SafeTensorsWriter().Add("linear.weight", d.W, d.Out, 32).Add("linear.bias", d.B, d.Out).Save(Path.Combine(dir, "2_Dense", "model.safetensors"));
        }
        if (normalize)
        {
            modules.Add(new JsonObject { ["idx"] = 3, ["name"] = "3", ["path"] = "3_Normalize", ["type"] = "sentence_transformers.models.Normalize" });
            Directory.CreateDirectory(Path.Combine(dir, "3_Normalize"));
        }
        File.WriteAllText(Path.Combine(dir, "modules.json"), modules.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), $$"""{"max_seq_length": {{(maxSeqLength is int m ? m : 128)}}, "do_lower_case": {{(lower ? "true" : "false")}}}""");
        return dir;
    }

    /// <summary>The last hidden state of one text on its own (no padding), [tokens, hidden].</summary>
    private static float[][] TokenVectors(LanguageModel model, Tokenizer tokenizer, string text, int? max = null)
    {
        var ids = tokenizer.Encode(text, addSpecialTokens: true, truncation: max is not null, maxLength: max).Ids.ToArray();
        var h = model.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids)), new ForwardOptions { LogitPositions = [0] }).LastHiddenState!;
        int d = h.Dim(-1);
        return Enumerable.Range(0, ids.Length).Select(t => h.ReadOnlySpan.Slice(t * d, d).ToArray()).ToArray();
    }

    /// <summary>The pooling written out once more, plainly, for the comparison.</summary>
    private static double[] Expected(PoolingMode mode, float[][] t)
    {
        int n = t.Length, d = t[0].Length;
        var v = new double[d];
        for (int j = 0; j < d; j++)
            v[j] = mode switch
            {
                PoolingMode.Cls => t[0][j],
                PoolingMode.LastToken => t[n - 1][j],
                PoolingMode.Max => t.Max(r => r[j]),
                PoolingMode.Mean => t.Average(r => (double)r[j]),
                PoolingMode.MeanSqrtLen => t.Sum(r => (double)r[j]) / Math.Sqrt(n),
                PoolingMode.WeightedMean => Enumerable.Range(0, n).Sum(i => (i + 1.0) * t[i][j]) / Enumerable.Range(1, n).Sum(),
                _ => throw new ArgumentException(mode.ToString()),
            };
        return v;
    }

    private static void Close(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) < 2e-5, $"{what}[{j}]: {actual[j]} vs {expected[j]}");
    }

    [Theory]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Max)]
    [InlineData(PoolingMode.MeanSqrtLen)]
    [InlineData(PoolingMode.WeightedMean)]
    [InlineData(PoolingMode.LastToken)]
    public void ASentenceTransformersFolder_PoolsAsItsConfigSays_InBatchesWithPadding(PoolingMode mode)
    {
        var encoder = SentenceEncoder.Load(Folder(mode.ToString(), mode, normalize: false));
        Assert.Equal(mode, Assert.Single(encoder.Settings.Pooling.Modes));
        var vectors = encoder.Encode(Texts);   // one batch: the short texts are padded

        for (int i = 0; i < Texts.Length; i++)
            Close(Expected(mode, TokenVectors(encoder.Model, encoder.Tokenizer, Texts[i])), vectors[i], $"{mode} text {i}");
    }

    [Fact]
    public void DenseAndNormalize_FollowThePooling_AndTheConfigCutsAndLowerCases()
    {
        var rng = new Random(3);
        float[] w = Enumerable.Range(0, 8 * 32).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), b = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var encoder = SentenceEncoder.Load(Folder("dense", PoolingMode.Mean, normalize: true, (w, b, 8), maxSeqLength: 5, lower: true));
        Assert.Equal(8, encoder.Dimension);
        Assert.True(encoder.Settings.DoLowerCase);

        var v = encoder.Encode(["PARIS Is The Capital Of France"])[0];
        var mean = Expected(PoolingMode.Mean, TokenVectors(encoder.Model, encoder.Tokenizer, "paris is the capital of france", max: 5));
        var y = Enumerable.Range(0, 8).Select(o => Math.Tanh(b[o] + Enumerable.Range(0, 32).Sum(i => (double)w[o * 32 + i] * mean[i]))).ToArray();
        double norm = Math.Sqrt(y.Sum(x => x * x));
        Close(y.Select(x => x / norm).ToArray(), v, "dense+normalize");
    }

    [Fact]
    public void APlainModelFolder_MeanPoolsWithoutNormalising()
    {
        var encoder = SentenceEncoder.Load(SharedData.Fixture("models", "bert_uncased_tiny"));
        Assert.Equal(PoolingMode.Mean, Assert.Single(encoder.Settings.Pooling.Modes));
        Assert.False(encoder.Settings.Normalize);
        Close(Expected(PoolingMode.Mean, TokenVectors(encoder.Model, encoder.Tokenizer, Texts[1])), encoder.Encode([Texts[1]])[0], "plain");
    }

    [Fact]
    public void BadModules_AreOneLineErrorsNamingTheFile()
    {
        string dir = Folder("bad", PoolingMode.Mean, normalize: false);
        File.WriteAllText(Path.Combine(dir, "modules.json"), """[{"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "path": "x", "type": "sentence_transformers.models.LSTM"}]""");
        var e = Assert.Throws<InvalidDataException>(() => SentenceTransformerConfig.Read(dir));
        Assert.Contains("modules.json: [1].type: \"sentence_transformers.models.LSTM\" is not a module this library runs", e.Message);

        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"pooling_mode_mean_tokens": false}""");
        File.WriteAllText(Path.Combine(dir, "modules.json"), """[{"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]""");
        e = Assert.Throws<InvalidDataException>(() => SentenceTransformerConfig.Read(dir));
        Assert.Contains("1_Pooling/config.json: no pooling_mode_* field is true", e.Message);
    }
}
