using System.Text.Json.Nodes;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// Generate: the greedy continuation of each text (<see cref="GreedyGenerator"/>: Hugging Face's generate with
/// do_sample=False, num_beams=1 and the config's logits processors), decoded without special tokens. Causal LMs continue
/// the prompt (the text as the tokenizer encodes model input, cut to its last <c>maxTokens</c>); seq2seq models write the
/// target of the text as source. Greedy decoding is deterministic, so a saved pipeline gives the same text again. A text
/// that encodes to no token starts from the model's bos_token_id, or gives an empty text where there is none.
/// </summary>
internal sealed class GenerationStage : TextStage<GenerationResult>
{
    public const string KindName = "generate";

    public GenerationStage(LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange>? changes, int maxNewTokens, int maxTokens)
        : base(model, tokenizer, files, changes)
    {
        Check(model, maxNewTokens, maxTokens);
        MaxNewTokens = maxNewTokens;
        MaxTokens = maxTokens;
    }

    public int MaxNewTokens { get; }

    public int MaxTokens { get; }

    public override string Kind => KindName;

    public override IStageShape Shape => GenerationRows.Shape;

    public static void Check(LanguageModel model, int maxNewTokens, int maxTokens)
    {
        if (maxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxNewTokens), $"Generate: maxNewTokens is {maxNewTokens}; expected at least 1.");
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"Generate: maxTokens is {maxTokens}; expected at least 1.");
        if (model.Kind is ModelKind.MaskedLM or ModelKind.Encoder)
            throw new ArgumentException($"Generate: this {model.ModelType} checkpoint is a {(model.Kind == ModelKind.Encoder ? "bare encoder" : "masked LM")}, which does not generate text (use a causal or seq2seq LM).");
        if (model.Kind == ModelKind.Seq2SeqLM && model.Generation.DecoderStartTokenId is null && model.Generation.BosTokenId is null)
            throw new ArgumentException($"Generate: {model.ModelType}: config.json has no decoder_start_token_id to start the target from.");
    }

    public override JsonObject Settings() => new() { ["max_new_tokens"] = MaxNewTokens, ["max_tokens"] = MaxTokens };

    public static GenerationStage Read(JsonObject s, LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
        => new(model, tokenizer, files, changes, StageJson.Int(s, "max_new_tokens"), StageJson.Int(s, "max_tokens"));

    public override GenerationResult Compute(string text)
    {
        var model = Model!;
        bool seq2seq = model.Kind == ModelKind.Seq2SeqLM;
        var ids = Tokenizer.EncodeToIds(text).ToArray();
        // A causal prompt keeps its end (what the continuation follows) and leaves room for the new tokens.
        int keep = seq2seq ? TokenLimit(MaxTokens) : Math.Max(1, Math.Min(MaxTokens, (model.MaxPositions ?? int.MaxValue) - MaxNewTokens));
        if (ids.Length > keep) ids = seq2seq ? ids[..keep] : ids[^keep..];
        if (ids.Length == 0 && model.Generation.BosTokenId is int bos) ids = [bos];
        if (ids.Length == 0) return new GenerationResult("", 0);
        var sequence = GreedyGenerator.Generate(model, ids, MaxNewTokens);
        var generated = seq2seq ? sequence[1..] : sequence[ids.Length..];
        return new GenerationResult(Tokenizer.Decode(generated, skipSpecialTokens: true), generated.Length);
    }
}
