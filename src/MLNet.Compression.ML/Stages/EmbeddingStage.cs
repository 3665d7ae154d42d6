using System.Globalization;
using System.Text.Json.Nodes;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// Embed: one vector of the model's hidden size per text, pooled from the last hidden state (the encoder's for seq2seq
/// models, as SEAT encodes; see <see cref="Pooling"/>), optionally scaled to unit length.
/// </summary>
internal sealed class EmbeddingStage : TextStage<float[]>
{
    public const string KindName = "embed";

    public EmbeddingStage(LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange>? changes,
                          Pooling pooling, bool normalize, int maxTokens)
        : base(model, tokenizer, files, changes)
    {
        Check(model, pooling, maxTokens, "Embed");
        Pooling = pooling;
        Normalize = normalize;
        MaxTokens = maxTokens;
        Shape = ShapeFor(model.HiddenSize);
    }

    public Pooling Pooling { get; }

    public bool Normalize { get; }

    public int MaxTokens { get; }

    public override string Kind => KindName;

    public override IStageShape Shape { get; }

    public static IStageShape ShapeFor(int hiddenSize) => ShapeTable.Find(EmbeddingRows.Shapes, hiddenSize, "a hidden size of", "Embed");

    public static void Check(LanguageModel model, Pooling pooling, int maxTokens, string stage)
    {
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"{stage}: maxTokens is {maxTokens}; expected at least 1.");
        if (pooling == Pooling.Cls && model.Kind == ModelKind.CausalLM)
            throw new ArgumentException($"{stage}: Cls pooling reads the first token, which in a causal LM ({model.ModelType}) sees only itself; use Mean or LastToken.");
    }

    public override JsonObject Settings() => new()
    {
        ["pooling"] = Pooling.ToString(),
        ["normalize"] = Normalize,
        ["max_tokens"] = MaxTokens,
    };

    public static EmbeddingStage Read(JsonObject s, LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
        => new(model, tokenizer, files, changes, Enum.Parse<Pooling>(StageJson.String(s, "pooling")), StageJson.Bool(s, "normalize"), StageJson.Int(s, "max_tokens"));

    /// <summary>The pooled vector of one text; zeros when the text encodes to no token.</summary>
    public override float[] Compute(string text)
    {
        var model = Model!;
        var result = new float[model.HiddenSize];
        var ids = Encode(text, MaxTokens);
        if (ids.Length == 0) return result;
        var hidden = LastHiddenState(model, new TokenBatch(1, ids.Length, ids));   // [1, len, hidden]
        Pool(hidden.ReadOnlySpan, ids.Length, Pooling, result);
        if (Normalize) ScaleToUnitLength(result);
        return result;
    }

    /// <summary>The last hidden state, [batch, len, hidden]: the encoder's for seq2seq models; the LM head runs at one row only.</summary>
    public static Tensor LastHiddenState(LanguageModel model, TokenBatch batch)
        => model is Seq2SeqLanguageModel s2s ? s2s.Encode(batch).LastHiddenState
            : model.Forward(new ModelInput(batch), new ForwardOptions { LogitPositions = [0] }).LastHiddenState
              ?? throw new InvalidOperationException($"{model.ModelType} returned no last hidden state.");

    /// <summary>Pools one row of [len, hidden] into <paramref name="into"/>[hidden].</summary>
    public static void Pool(ReadOnlySpan<float> hidden, int length, Pooling pooling, Span<float> into)
    {
        int h = into.Length;
        switch (pooling)
        {
            case Pooling.Cls: hidden[..h].CopyTo(into); break;
            case Pooling.LastToken: hidden.Slice((length - 1) * h, h).CopyTo(into); break;
            default:
                // Summed in double so the mean does not depend on the order of a long text's tokens.
                var sum = new double[h];
                for (int t = 0; t < length; t++)
                    for (int j = 0; j < h; j++) sum[j] += hidden[t * h + j];
                for (int j = 0; j < h; j++) into[j] = (float)(sum[j] / length);
                break;
        }
    }

    private static void ScaleToUnitLength(Span<float> v)
    {
        double norm = 0;
        foreach (float x in v) norm += (double)x * x;
        norm = Math.Sqrt(norm);
        if (norm == 0) return;
        for (int j = 0; j < v.Length; j++) v[j] = (float)(v[j] / norm);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Embed({Model!.ModelType}, {Pooling}, max {MaxTokens} tokens)");
}
