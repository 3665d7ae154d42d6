using System.Text;
using MLNet.Compression.Export.Gguf;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tokenization;
using Xunit.Abstractions;

namespace MLNet.Compression.Tests.Export.Gguf;

/// <summary>
/// Exports run in llama.cpp itself (LLamaSharp 0.30.0, CPU): its logits at every position of a token sequence against this
/// engine's. Measured on these fixtures (2 threads, F32 K/V cache, flash attention off):
/// F32 llama and llama2.c ≤ 1e-5; F32 gpt2 / gpt_neox ≈ 3e-3, all of it ggml's GELU, which looks its input up in an
/// fp16 table (ggml-cpu vec.h GGML_GELU_FP16); F16 and the quantized types add llama.cpp's rounding of the activations
/// (to fp16: 9e-3; to Q8_0/Q8_1 blocks for Q8_0/Q4_x dot products: 0.22–0.26 on this large-weight fixture), measured
/// against this engine running the same rounded weights.
/// </summary>
public class GgufLlamaCppTests(ITestOutputHelper output)
{
    private static readonly int[] Tokens = [1, 5, 9, 33, 7, 100, 42, 3, 250, 17, 64, 2, 311, 8, 91, 400];

    private static string Aidreams => SharedData.Data("models", "aidreams260K", "aidreams260K.bin");

    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"gguf-{Environment.ProcessId}-{name}.gguf");

    private static float[] EngineLogits(LanguageModel model, int[] tokens)
        => model.Forward(new ModelInput(new TokenBatch(1, tokens.Length, tokens))).Logits.Span.ToArray(); // [seq·vocab]

    /// <summary>Largest |llama.cpp − engine| over all positions and the vocabulary.</summary>
    private double MaxDiff(LanguageModel model, string path, string what)
    {
        using var cpp = new LlamaCpp(path);
        Assert.Equal(model.VocabSize, cpp.VocabSize);
        var theirs = cpp.Logits(Tokens);
        var ours = EngineLogits(model, Tokens);
        double max = 0, mag = 0;
        for (int i = 0; i < Tokens.Length; i++)
            for (int v = 0; v < model.VocabSize; v++)
            {
                max = Math.Max(max, Math.Abs(theirs[i][v] - ours[i * model.VocabSize + v]));
                mag = Math.Max(mag, Math.Abs(ours[i * model.VocabSize + v]));
            }
        output.WriteLine($"{what}: max |llama.cpp − engine| = {max:E2} (largest |logit| {mag:F2}, {new FileInfo(path).Length:N0} bytes)");
        return max;
    }

    private static LanguageModel Fixture(string name) => ModelLoader.Load(SharedData.Fixture("models", name));

    [Theory]
    [InlineData("llama", 1e-4)]
    [InlineData("gpt2", 1e-2)]
    [InlineData("gpt_neox", 1e-2)]
    public void F32_LogitsMatchEngine(string fixture, double tolerance)
    {
        var model = Fixture(fixture);
        string path = Temp($"{fixture}-f32");
        try
        {
            var r = GgufExporter.Export(model, path, null, new GgufExportOptions { Type = GgmlType.F32 });
            Assert.All(r.Tensors, t => Assert.Equal(GgmlType.F32, t.Type));
            Assert.True(MaxDiff(model, path, $"{fixture} F32") < tolerance);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Llama_WithoutTheRotaryPermutation_WouldNotMatch()
    {
        // The q/k row permutation is what makes the llama export right: the same file with q and k written in Hugging Face's
        // rotate-half order gives logits far off, so the 1e-4 agreement above is not an accident of small weights.
        var model = Fixture("llama");
        string good = Temp("llama-perm-good"), bad = Temp("llama-perm-bad");
        try
        {
            GgufExporter.Export(model, good, null, new GgufExportOptions { Type = GgmlType.F32 });
            var clone = model.Clone();
            foreach (var l in clone.Linears.Where(l => l.Name.EndsWith("q_proj", StringComparison.Ordinal) || l.Name.EndsWith("k_proj", StringComparison.Ordinal)))
            {
                int heads = l.OutFeatures / ((MLNet.Compression.Modeling.Llama.LlamaForCausalLM)model).LlamaConfig.HeadDim;
                // Pre-apply the inverse, so that the exporter's permutation restores rotate-half order in the file.
                var w = l.Weight.ToDense().Data;
                l.Weight = new DenseWeight(new MLNet.Compression.Tensors.Tensor(Inverse(w, heads, ((MLNet.Compression.Modeling.Llama.LlamaForCausalLM)model).LlamaConfig.HeadDim), l.OutFeatures, l.InFeatures));
            }
            GgufExporter.Export(clone, bad, null, new GgufExportOptions { Type = GgmlType.F32 });
            Assert.True(MaxDiff(model, good, "llama F32") < 1e-4);
            Assert.True(MaxDiff(model, bad, "llama F32, q/k left in rotate-half order") > 1e-2);
        }
        finally { File.Delete(good); File.Delete(bad); }
    }

    /// <summary>The inverse of <see cref="GgufExporter.RotaryHalvesToPairs"/>: pairs back to halves.</summary>
    private static float[] Inverse(float[] w, int heads, int d)
    {
        int rows = heads * d, cols = w.Length / rows, half = d / 2;
        var r = new float[w.Length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int t = 0; t < 2; t++)
                    Array.Copy(w, (long)(h * d + 2 * i + t) * cols, r, (long)(h * d + t * half + i) * cols, cols);
        return r;
    }

    [Fact]
    public void Aidreams260K_F32_LogitsMatch_AndGreedyGenerationIsTheSame()
    {
        var model = ModelLoader.Load(Aidreams);
        var tokenizer = AutoTokenizer.FromFolder(Path.GetDirectoryName(Aidreams)!);
        string path = Temp("aidreams-f32");
        try
        {
            var r = GgufExporter.Export(model, path, tokenizer, new GgufExportOptions { Type = GgmlType.F32 });
            foreach (var n in r.Notes) output.WriteLine(n);
            Assert.Contains(r.Notes, n => n.Contains("llama2.c tokenizer", StringComparison.Ordinal));
            Assert.True(MaxDiff(model, path, "aidreams260K F32") < 1e-4);

            const string prompt = "Once upon a time, there was a little girl";
            var ids = tokenizer.EncodeToIds(prompt, addSpecialTokens: true).ToArray();
            using var cpp = new LlamaCpp(path);
            // llama.cpp tokenizes with the embedded SentencePiece vocabulary exactly as llama2.c's encoder does.
            var theirIds = cpp.Weights.Tokenize(prompt, true, false, Encoding.UTF8).Select(t => (int)t).ToArray();
            Assert.Equal(ids, theirIds);
            var ours = GreedyGenerator.Generate(model, ids, 20);
            var theirs = cpp.Greedy(ids, 20);
            output.WriteLine($"engine:    {tokenizer.Decode(ours)}");
            output.WriteLine($"llama.cpp: {tokenizer.Decode(theirs)}");
            Assert.Equal(ours, theirs.Take(ours.Length));
            Assert.True(ours.Length > ids.Length + 10, "the engine stopped early; the comparison needs generated tokens.");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Gpt2Tiny_EmbedsItsBpeVocabulary_WhichLlamaCppTokenizesLikeTheEngine()
    {
        var folder = SharedData.Fixture("models", "gpt2_tiny");
        var model = ModelLoader.Load(folder);
        var tokenizer = AutoTokenizer.FromFolder(folder);
        string path = Temp("gpt2-tiny");
        try
        {
            var r = GgufExporter.Export(model, path, tokenizer);
            Assert.Contains(r.Notes, n => n.StartsWith("tokenizer: byte-level BPE (50257 tokens, 50000 merges)", StringComparison.Ordinal));
            using var cpp = new LlamaCpp(path);
            foreach (var text in new[] { "Hello world, this is a test.", "  Numbers 12345 and   spaces\nnew line's café!" })
            {
                var ours = tokenizer.EncodeToIds(text, addSpecialTokens: false).ToArray();
                var theirs = cpp.Weights.Tokenize(text, false, false, Encoding.UTF8).Select(t => (int)t).ToArray();
                Assert.Equal(ours, theirs);
            }
            Assert.True(MaxDiff(model, path, "gpt2_tiny F32 with its BPE vocabulary") < 1e-2);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void F16_LogitsMatchEngineOnFp16Weights()
    {
        // The engine's own fp16 model holds the same rounded weights; what remains is llama.cpp rounding activations to fp16.
        var dense = Fixture("llama");
        var f16 = new CompressionContext(seed: 1).Quantization.Float16().Fit(dense).Model;
        string path = Temp("llama-f16");
        try
        {
            var r = GgufExporter.Export(f16, path);
            Assert.All(r.Tensors.Where(t => t.Name.StartsWith("blk.", StringComparison.Ordinal) && t.Shape.Length == 2), t =>
            {
                Assert.Equal(GgmlType.F16, t.Type);
                Assert.Equal(0, t.MaxError);
            });
            Assert.True(MaxDiff(f16, path, "llama fp16 → F16 (auto)") < 2e-2);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    // llama.cpp multiplies Q8_0/Q4_x weights with activations rounded to Q8_0/Q8_1 blocks; on this fixture (weights of
    // std 0.2, logits up to ~6) that moves logits by 0.22–0.26 whatever the weight type, so the bound is 0.5. That the
    // weights themselves are exact is checked value by value (GgufGridChecks).
    [InlineData(8, true, GgmlType.Q8_0, 0.5)]
    [InlineData(4, true, GgmlType.Q4_0, 0.5)]
    [InlineData(4, false, GgmlType.Q4_1, 0.5)]
    public void Rtn_g32_ExportsOnItsOwnGrid_AndRunsLikeTheEngine(int bits, bool symmetric, GgmlType expected, double tolerance)
    {
        var model = new CompressionContext(seed: 1).Quantization.WeightOnly(bits: bits, groupSize: 32, symmetric: symmetric).Fit(Fixture("llama")).Model;
        string path = Temp($"llama-rtn{bits}{symmetric}");
        try
        {
            var r = GgufExporter.Export(model, path);
            var blocks = r.Tensors.Where(t => t.Name.StartsWith("blk.", StringComparison.Ordinal) && t.Shape.Length == 2).ToList();
            Assert.NotEmpty(blocks);
            Assert.All(blocks, t => { Assert.Equal(expected, t.Type); Assert.StartsWith("grid kept", t.How); });
            GgufGridChecks.AssertGridsExact(model, path);
            Assert.True(MaxDiff(model, path, $"llama RTN {bits}-bit g32 {(symmetric ? "sym" : "asym")} → {expected}") < tolerance);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Gptq4_g32_ExportsOnItsOwnGrid()
    {
        var rng = new Random(3);
        var calibration = CalibrationData.FromSequences(Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 16).Select(_ => rng.Next(512)).ToArray()));
        var model = new CompressionContext(seed: 1).Quantization.Gptq(bits: 4, groupSize: 32, symmetric: true).Fit(Fixture("llama"), calibration).Model;
        string path = Temp("llama-gptq4");
        try
        {
            var r = GgufExporter.Export(model, path);
            Assert.All(r.Tensors.Where(t => t.Name.StartsWith("blk.", StringComparison.Ordinal) && t.Shape.Length == 2), t => Assert.Equal(GgmlType.Q4_0, t.Type));
            GgufGridChecks.AssertGridsExact(model, path);
            Assert.True(MaxDiff(model, path, "llama GPTQ 4-bit g32 → Q4_0") < 0.5);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    public void Aidreams260K_Quantized_FallsBackWhereRowsAreNotBlocks_AndRuns(GgmlType type)
    {
        // hidden_dim 172 is not a multiple of 32, so ffn_down (rows of 172) cannot be Q8_0/Q4_0; it is written F32 and said so.
        var model = ModelLoader.Load(Aidreams);
        string path = Temp($"aidreams-{type}");
        try
        {
            var r = GgufExporter.Export(model, path, null, new GgufExportOptions { Type = type });
            Assert.All(r.Tensors.Where(t => t.Name.EndsWith("ffn_down.weight", StringComparison.Ordinal)), t =>
            {
                Assert.Equal(GgmlType.F32, t.Type);
                Assert.Contains("not a multiple of 32", t.How);
            });
            Assert.All(r.Tensors.Where(t => t.Name.EndsWith("attn_q.weight", StringComparison.Ordinal)), t =>
            {
                Assert.Equal(type, t.Type);
                Assert.Equal("requantized", t.How);
                Assert.True(t.MaxError > 0 && t.RmsError < 0.1 * t.RmsValue, $"{t.Name}: rms error {t.RmsError} of rms {t.RmsValue}");
            });
            // Requantized from dense: compared with the dense engine, logits (up to ~11) move by the quantization itself:
            // measured 0.18 for Q8_0 and 1.4 for Q4_0.
            double diff = MaxDiff(model, path, $"aidreams260K requantized to {type} (dense engine)");
            Assert.True(diff < (type == GgmlType.Q8_0 ? 0.5 : 3.0));
        }
        finally { File.Delete(path); }
    }
}
