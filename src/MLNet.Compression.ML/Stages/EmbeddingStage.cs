using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// Embed: one sentence vector per text, made by the engine's <see cref="SentenceEncoder"/> (sentence-transformers'
/// encode: the text lower-cased where the model says so, the last hidden state, the encoder's for seq2seq models, pooled
/// over the real tokens with <see cref="Embeddings.Pooling"/>'s modes, then the Dense modules, optionally scaled to unit
/// length). A text with no token gives zeros.
/// </summary>
internal sealed class EmbeddingStage : TextStage<float[]>
{
    public const string KindName = "embed";
    private readonly SentenceEncoder _encoder;

    /// <param name="settings">how vectors are made; MaxSeqLength must be set (the stage's token limit)</param>
    public EmbeddingStage(LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange>? changes, SentenceEncoder.Options settings)
        : base(model, tokenizer, files, changes)
    {
        int maxTokens = settings.MaxSeqLength ?? throw new ArgumentException("Embed: the token limit is not set.");
        Check(model, settings.Pooling, maxTokens, "Embed");
        _encoder = new SentenceEncoder(model, tokenizer, settings with { BatchSize = 1 });
        Shape = ShapeFor(_encoder.Dimension);
    }

    public SentenceEncoder.Options Encoding => _encoder.Settings;

    public override string Kind => KindName;

    public override IStageShape Shape { get; }

    /// <summary>The row shape of vectors of <paramref name="dimension"/> (the hidden size times the number of pooling modes, or the last Dense module's size).</summary>
    public static IStageShape ShapeFor(int dimension) => ShapeTable.Find(EmbeddingRows.Shapes, dimension, "an embedding size of", "Embed");

    /// <summary>The length of the vectors <paramref name="settings"/> make from a model of <paramref name="hiddenSize"/>.</summary>
    public static int Dimension(SentenceEncoder.Options settings, int hiddenSize)
        => settings.Dense.Count > 0 ? settings.Dense[^1].OutFeatures : settings.Pooling.Dimension(hiddenSize);

    public static void Check(LanguageModel model, Pooling pooling, int maxTokens, string stage)
    {
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"{stage}: maxTokens is {maxTokens}; expected at least 1.");
        if (pooling.Modes.Count == 0) throw new ArgumentException($"{stage}: the pooling has no mode.");
        if (pooling.Modes.Contains(PoolingMode.Cls) && model.Kind == ModelKind.CausalLM)
            throw new ArgumentException($"{stage}: cls pooling reads the first token, which in a causal LM ({model.ModelType}) sees only itself; use mean or last-token pooling.");
    }

    public override JsonObject Settings()
    {
        var s = Encoding;
        return new JsonObject
        {
            ["pooling"] = new JsonArray(s.Pooling.Modes.Select(m => (JsonNode)m.ToString()).ToArray()),
            ["include_prompt"] = s.Pooling.IncludePrompt,
            ["normalize"] = s.Normalize,
            ["max_tokens"] = s.MaxSeqLength,
            ["do_lower_case"] = s.DoLowerCase,
            // Dense modules are small (a few hundred thousand weights at most), so they travel in stages.json as
            // base64 of little-endian float32 rather than as files of their own.
            ["dense"] = new JsonArray(s.Dense.Select(d => (JsonNode)new JsonObject
            {
                ["in_features"] = d.InFeatures,
                ["out_features"] = d.OutFeatures,
                ["activation"] = d.Tanh ? "tanh" : "identity",
                ["weight"] = Base64(d.Weight.Span),
                ["bias"] = d.HasBias ? Base64(d.Bias.Span) : null,
            }).ToArray()),
        };
    }

    public static EmbeddingStage Read(JsonObject s, LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
    {
        var modes = (s["pooling"] as JsonArray ?? throw new InvalidDataException("field 'pooling' is missing or not a list of modes."))
            .Select(n => Enum.TryParse<PoolingMode>(n?.GetValue<string>(), out var m) ? m
                : throw new InvalidDataException($"field 'pooling' holds {n?.ToJsonString()}, not a pooling mode ({string.Join(", ", Enum.GetNames<PoolingMode>())}).")).ToList();
        var pooling = new Pooling(modes, StageJson.Bool(s, "include_prompt"));
        var dense = new List<DenseModule>();
        if (s["dense"] is JsonArray list)
            for (int i = 0; i < list.Count; i++)
            {
                var d = list[i] as JsonObject ?? throw new InvalidDataException($"field 'dense[{i}]' is not an object.");
                string act = StageJson.String(d, "activation");
                if (act is not ("tanh" or "identity")) throw new InvalidDataException($"field 'dense[{i}].activation' is \"{act}\" (expected tanh or identity).");
                try
                {
                    dense.Add(DenseModule.Create(StageJson.Int(d, "in_features"), StageJson.Int(d, "out_features"), Floats(StageJson.String(d, "weight")),
                                                 d["bias"] is null ? null : Floats(StageJson.String(d, "bias")), act == "tanh"));
                }
                catch (Exception e) when (e is ArgumentException or FormatException)
                {
                    throw new InvalidDataException($"field 'dense[{i}]': {e.Message}");
                }
            }
        var settings = new SentenceEncoder.Options
        {
            Pooling = pooling, Normalize = StageJson.Bool(s, "normalize"), MaxSeqLength = StageJson.Int(s, "max_tokens"),
            DoLowerCase = s["do_lower_case"] is not null && StageJson.Bool(s, "do_lower_case"), Dense = dense,
        };
        return new(model, tokenizer, files, changes, settings);
    }

    private static string Base64(ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Embed: Dense modules are stored as little-endian float32.");
        return Convert.ToBase64String(MemoryMarshal.AsBytes(values));
    }

    private static float[] Floats(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length % 4 != 0) throw new FormatException($"{bytes.Length} bytes is not a whole number of float32 values.");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public override float[] Compute(string text)
    {
        string t = Encoding.DoLowerCase ? text.ToLowerInvariant() : text;
        return Tokenizer.CountTokens(t) == 0 ? new float[_encoder.Dimension] : _encoder.Encode([text])[0];
    }
}
