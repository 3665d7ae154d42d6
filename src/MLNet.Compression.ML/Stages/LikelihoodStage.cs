using System.Text.Json.Nodes;
using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// LogLikelihood: Σ log p of a text's tokens under the model, with the evaluators' scorers. Causal LMs: each token given
/// the ones before it (<see cref="CausalLmScorer"/>; the first token has no context and is not scored, as in the
/// transformers perplexity guide). Masked LMs: the pseudo-log-likelihood of Salazar et al. 2020, each non-special token
/// masked in turn (<see cref="MaskedLmScorer.PseudoLogLikelihoods"/>). Perplexity is exp(−log-likelihood / tokens scored)
/// (pseudo-perplexity for masked LMs). A text with nothing to score gives NaN and 0 tokens.
/// </summary>
internal sealed class LikelihoodStage : TextStage<LikelihoodResult>
{
    public const string KindName = "log-likelihood";

    public LikelihoodStage(LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange>? changes, int maxTokens)
        : base(model, tokenizer, files, changes)
    {
        Check(model, tokenizer, maxTokens);
        MaxTokens = maxTokens;
    }

    public int MaxTokens { get; }

    public override string Kind => KindName;

    public override IStageShape Shape => LikelihoodRows.Shape;

    public static void Check(LanguageModel model, Tokenizer tokenizer, int maxTokens)
    {
        if (maxTokens < 2) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"LogLikelihood: maxTokens is {maxTokens}; expected at least 2.");
        if (model.Kind == ModelKind.Seq2SeqLM)
            throw new ArgumentException($"LogLikelihood: {model.ModelType} is a seq2seq model; it scores a target given a source, not one text (use a causal or masked LM).");
        if (model.Kind == ModelKind.Encoder)
            throw new ArgumentException($"LogLikelihood: this {model.ModelType} checkpoint is a bare encoder without an LM head, so it gives no token probabilities (use a causal or masked LM).");
        if (model.Kind == ModelKind.MaskedLM && tokenizer.MaskTokenId is null)
            throw new ArgumentException("LogLikelihood: the tokenizer has no mask token, which the pseudo-log-likelihood of a masked LM needs.");
    }

    public override JsonObject Settings() => new() { ["max_tokens"] = MaxTokens };

    public static LikelihoodStage Read(JsonObject s, LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
        => new(model, tokenizer, files, changes, StageJson.Int(s, "max_tokens"));

    public override LikelihoodResult Compute(string text)
    {
        var model = Model!;
        var ids = Encode(text, MaxTokens);
        double sum;
        int count;
        if (model.Kind == ModelKind.CausalLM)
        {
            if (ids.Length < 2) return Nothing;
            count = ids.Length - 1;
            sum = new CausalLmScorer(model).ContinuationLogLikelihoods([(ids[..1], ids[1..])])[0];
        }
        else
        {
            var special = Tokenizer.AllSpecialIds;
            var positions = Enumerable.Range(0, ids.Length).Where(t => !special.Contains(ids[t])).ToArray();
            if (positions.Length == 0) return Nothing;
            count = positions.Length;
            sum = new MaskedLmScorer(model).PseudoLogLikelihoods([(ids, positions)], Tokenizer.MaskTokenId!.Value)[0];
        }
        return new LikelihoodResult((float)sum, (float)Math.Exp(-sum / count), count);
    }

    private static LikelihoodResult Nothing => new(float.NaN, float.NaN, 0);
}
