using System.Text.Json.Nodes;
using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// FillMask: the k most probable tokens at the first mask of a text (LAMA scores the first mask too), by the same masked
/// scorer and ranking the probe uses (<see cref="MaskedLmScorer.LogProbsAtMasks"/>, <see cref="Ranking.TopK"/>). "[MASK]"
/// in the text stands for the tokenizer's own mask token (as in LAMA's templates). Tokens are decoded one id at a time as
/// Hugging Face's fill-mask pipeline decodes <c>token_str</c>; scores are probabilities. A text without a mask gives empty
/// tokens, NaN scores and id −1.
/// </summary>
internal sealed class FillMaskStage : TextStage<FillMaskResult>
{
    public const string KindName = "fill-mask";

    public FillMaskStage(LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange>? changes, int topK, int maxTokens)
        : base(model, tokenizer, files, changes)
    {
        if (model.Kind != ModelKind.MaskedLM) throw new ArgumentException($"FillMask: {model.ModelType} is a {model.Kind}; filling a mask needs a masked LM.");
        if (tokenizer.MaskTokenId is null) throw new ArgumentException("FillMask: the tokenizer has no mask token.");
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"FillMask: maxTokens is {maxTokens}; expected at least 1.");
        Shape = ShapeFor(topK);
        TopK = topK;
        MaxTokens = maxTokens;
    }

    public int TopK { get; }

    public int MaxTokens { get; }

    public override string Kind => KindName;

    public override IStageShape Shape { get; }

    public static IStageShape ShapeFor(int topK) => ShapeTable.Find(FillMaskRows.Shapes, topK, "top-k of", "FillMask");

    public override JsonObject Settings() => new() { ["top_k"] = TopK, ["max_tokens"] = MaxTokens };

    public static FillMaskStage Read(JsonObject s, LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
        => new(model, tokenizer, files, changes, StageJson.Int(s, "top_k"), StageJson.Int(s, "max_tokens"));

    public override FillMaskResult Compute(string text)
    {
        int maskId = Tokenizer.MaskTokenId!.Value;
        var ids = Encode(text.Replace("[MASK]", Tokenizer.MaskToken, StringComparison.Ordinal), MaxTokens);
        int position = Array.IndexOf(ids, maskId);
        var tokens = new string[TopK];
        var scores = new float[TopK];
        var best = new int[TopK];
        Array.Fill(tokens, string.Empty);
        Array.Fill(scores, float.NaN);
        Array.Fill(best, -1);
        if (position < 0) return new FillMaskResult(tokens, scores, best);
        new MaskedLmScorer(Model!).LogProbsAtMasks([new DistributionQuery(ids, [position])], (_, _, logProbs) =>
        {
            var top = Ranking.TopK(logProbs, TopK);
            for (int i = 0; i < top.Length; i++)
            {
                best[i] = top[i];
                scores[i] = MathF.Exp(logProbs[top[i]]);
            }
        });
        for (int i = 0; i < TopK && best[i] >= 0; i++) tokens[i] = Tokenizer.Decode([best[i]], skipSpecialTokens: false);
        return new FillMaskResult(tokens, scores, best);
    }
}
