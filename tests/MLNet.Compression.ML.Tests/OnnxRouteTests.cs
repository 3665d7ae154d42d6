using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.Export.Onnx;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.ML.Tests;

/// <summary>
/// The ONNX route into ML.NET: a model exported by this library and run by ML.NET's own ApplyOnnxModel (OnnxTransformer on
/// ONNX Runtime) gives the logits and hidden states this engine computes, row by row, padding included.
/// </summary>
public sealed class OnnxRouteTests : IDisposable
{
    private const int Length = 12;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "onnx-route-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A tokenized row as the exported graph takes it: [1, Length] each (ML.NET needs fixed vector sizes).</summary>
    private sealed class TokenRow
    {
        [ColumnName("input_ids"), VectorType(Length)] public long[] InputIds { get; set; } = [];
        [ColumnName("attention_mask"), VectorType(Length)] public long[] AttentionMask { get; set; } = [];
        [ColumnName("token_type_ids"), VectorType(Length)] public long[] TokenTypeIds { get; set; } = [];
    }

    private static TokenRow[] Rows(Func<string, IReadOnlyList<int>> encode, int pad, params string[] texts) => texts.Select(t =>
    {
        var ids = encode(t).Take(Length).ToArray();
        return new TokenRow
        {
            InputIds = Enumerable.Range(0, Length).Select(i => (long)(i < ids.Length ? ids[i] : pad)).ToArray(),
            AttentionMask = Enumerable.Range(0, Length).Select(i => i < ids.Length ? 1L : 0L).ToArray(),
            TokenTypeIds = new long[Length],
        };
    }).ToArray();

    /// <summary>The engine's output for one row (batch 1, its own padding).</summary>
    private static float[] Engine(LanguageModel model, TokenRow row, bool hidden)
    {
        var tokens = new TokenBatch(1, Length, row.InputIds.Select(v => (int)v).ToArray(), row.AttentionMask.Select(v => (int)v).ToArray());
        var output = model.Forward(new ModelInput(tokens, row.TokenTypeIds.Select(v => (int)v).ToArray()));
        return (hidden ? output.LastHiddenState! : output.Logits).ReadOnlySpan.ToArray();
    }

    private float[][] ApplyOnnx(LanguageModel model, TokenRow[] rows, string name, bool encoderOnly, string outputName, int width)
    {
        string folder = Path.Combine(_root, name);
        OnnxExporter.Export(model, folder, options: new OnnxExportOptions { EncoderOnly = encoderOnly });
        bool types = model.ModelType is "bert" or "albert";
        string[] inputs = types ? ["input_ids", "attention_mask", "token_type_ids"] : ["input_ids", "attention_mask"];
        var shapes = inputs.ToDictionary(n => n, _ => new[] { 1, Length });
        shapes[outputName] = [1, Length, width];
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.ApplyOnnxModel([outputName], inputs, Path.Combine(folder, OnnxExporter.ModelFileName), shapes, gpuDeviceId: null, fallbackToCpu: false);
        var transformed = pipeline.Fit(data).Transform(data);
        return transformed.GetColumn<float[]>(outputName).ToArray();
    }

    [Fact]
    public void ApplyOnnxModel_OnAnExportedMaskedLM_GivesTheEnginesLogits()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var rows = Rows(t => tokenizer.EncodeToIds(t), model.Generation.PadTokenId ?? 0,
            "the capital of france is [MASK].", "a short one.", "paris is a city in europe and it is large");
        var logits = ApplyOnnx(model, rows, "bert", encoderOnly: false, "logits", model.VocabSize);

        Assert.Equal(rows.Length, logits.Length);
        for (int r = 0; r < rows.Length; r++)
        {
            var expected = Engine(model, rows[r], hidden: false);
            Assert.Equal(expected.Length, logits[r].Length);
            float max = expected.Zip(logits[r], (a, b) => MathF.Abs(a - b)).Max();
            Assert.True(max <= 1e-4f, $"row {r}: max |engine − ML.NET/ORT| = {max:G4}");
        }
    }

    [Fact]
    public void ApplyOnnxModel_OnAnExportedEncoder_GivesTheEnginesLastHiddenState()
    {
        var model = ModelLoader.Load(Fixtures.Model("distilbert"));
        var rng = new Random(7);
        // The distilbert fixture has no tokenizer files: rows of random ids of several lengths.
        var rows = Rows(t => Enumerable.Range(0, t.Length).Select(_ => rng.Next(3, model.VocabSize)).ToArray(), 0, "abcdefghijkl", "abcde", "abcdefgh");
        var hidden = ApplyOnnx(model, rows, "distilbert", encoderOnly: true, "last_hidden_state", model.HiddenSize);

        for (int r = 0; r < rows.Length; r++)
        {
            var expected = Engine(model, rows[r], hidden: true);
            Assert.Equal(expected.Length, hidden[r].Length);
            float max = expected.Zip(hidden[r], (a, b) => MathF.Abs(a - b)).Max();
            Assert.True(max <= 1e-4f, $"row {r}: max |engine − ML.NET/ORT| = {max:G4}");
        }
    }

    public void Dispose()
    {
        try { if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
