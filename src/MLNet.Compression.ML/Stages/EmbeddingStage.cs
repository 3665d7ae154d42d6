using System.Text.Json.Nodes;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// Embed: one sentence vector per text, made by the engine's <see cref="SentenceEncoder"/> (sentence-transformers'
/// encode: the last hidden state, the encoder's for seq2seq models, pooled over the real tokens with
/// <see cref="Embeddings.Pooling"/>'s modes, optionally scaled to unit length). A text with no token gives zeros.
/// </summary>
internal sealed class EmbeddingStage : TextStage<float[]>
{
    public const string KindName = "embed";
    private readonly SentenceEncoder _encoder;

    public EmbeddingStage(LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange>? changes,
                          Pooling pooling, bool normalize, int maxTokens)
        : base(model, tokenizer, files, changes)
    {
        Check(model, pooling, maxTokens, "Embed");
        Pooling = pooling;
        Normalize = normalize;
        MaxTokens = maxTokens;
        _encoder = new SentenceEncoder(model, tokenizer, new SentenceEncoder.Options { Pooling = pooling, Normalize = normalize, MaxSeqLength = maxTokens, BatchSize = 1 });
        Shape = ShapeFor(_encoder.Dimension);
    }

    public Pooling Pooling { get; }

    public bool Normalize { get; }

    public int MaxTokens { get; }

    public override string Kind => KindName;

    public override IStageShape Shape { get; }

    /// <summary>The row shape of vectors of <paramref name="dimension"/> (the hidden size times the number of pooling modes).</summary>
    public static IStageShape ShapeFor(int dimension) => ShapeTable.Find(EmbeddingRows.Shapes, dimension, "an embedding size of", "Embed");

    public static void Check(LanguageModel model, Pooling pooling, int maxTokens, string stage)
    {
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"{stage}: maxTokens is {maxTokens}; expected at least 1.");
        if (pooling.Modes.Count == 0) throw new ArgumentException($"{stage}: the pooling has no mode.");
        if (pooling.Modes.Contains(PoolingMode.Cls) && model.Kind == ModelKind.CausalLM)
            throw new ArgumentException($"{stage}: cls pooling reads the first token, which in a causal LM ({model.ModelType}) sees only itself; use mean or last-token pooling.");
    }

    public override JsonObject Settings() => new()
    {
        ["pooling"] = new JsonArray(Pooling.Modes.Select(m => (JsonNode)m.ToString()).ToArray()),
        ["include_prompt"] = Pooling.IncludePrompt,
        ["normalize"] = Normalize,
        ["max_tokens"] = MaxTokens,
    };

    public static EmbeddingStage Read(JsonObject s, LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
    {
        var modes = (s["pooling"] as JsonArray ?? throw new InvalidDataException("field 'pooling' is missing or not a list of modes."))
            .Select(n => Enum.TryParse<PoolingMode>(n?.GetValue<string>(), out var m) ? m
                : throw new InvalidDataException($"field 'pooling' holds {n?.ToJsonString()}, not a pooling mode ({string.Join(", ", Enum.GetNames<PoolingMode>())}).")).ToList();
        var pooling = new Pooling(modes, StageJson.Bool(s, "include_prompt"));
        return new(model, tokenizer, files, changes, pooling, StageJson.Bool(s, "normalize"), StageJson.Int(s, "max_tokens"));
    }

    public override float[] Compute(string text)
        => Tokenizer.CountTokens(text) == 0 ? new float[_encoder.Dimension] : _encoder.Encode([text])[0];
}
