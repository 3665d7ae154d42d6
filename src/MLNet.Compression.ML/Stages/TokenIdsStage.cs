using System.Text.Json.Nodes;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// TokenIds: the ids a text encodes to as model input (special tokens added), cut or padded to a fixed length with the pad
/// id, and the attention mask (1 for real tokens, 0 for padding), as Hugging Face's <c>padding="max_length"</c> gives them.
/// </summary>
internal sealed class TokenIdsStage : TextStage<TokenIdsResult>
{
    public const string KindName = "token-ids";

    public TokenIdsStage(LanguageModel? model, Tokenizer tokenizer, TokenizerFiles files, int maxTokens)
        : base(model, tokenizer, files, null)
    {
        Shape = ShapeFor(maxTokens);
        MaxTokens = maxTokens;
        if (model?.MaxPositions is int max && max < maxTokens)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), $"TokenIds: {maxTokens} tokens exceed the {max} positions of the {model.ModelType} model.");
    }

    public int MaxTokens { get; }

    public override string Kind => KindName;

    public override IStageShape Shape { get; }

    public static IStageShape ShapeFor(int maxTokens) => ShapeTable.Find(TokenIdsRows.Shapes, maxTokens, "a length of", "TokenIds");

    public override JsonObject Settings() => new() { ["max_tokens"] = MaxTokens };

    public static TokenIdsStage Read(JsonObject s, LanguageModel? model, Tokenizer tokenizer, TokenizerFiles files)
        => new(model, tokenizer, files, StageJson.Int(s, "max_tokens"));

    public override TokenIdsResult Compute(string text)
    {
        var ids = new int[MaxTokens];
        var mask = new int[MaxTokens];
        var encoded = Encode(text, MaxTokens);
        Array.Fill(ids, PadId);
        encoded.CopyTo(ids, 0);
        Array.Fill(mask, 1, 0, encoded.Length);
        return new TokenIdsResult(ids, mask);
    }
}
