using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.Compression.ML.Rows;

/// <summary>
/// Output rows of TokenIds, one class per length (the vector size must be a constant of the row class, see
/// <see cref="EmbeddingRows"/>): the ids padded with the pad id, and the attention mask (1 real, 0 padding).
/// </summary>
internal static class TokenIdsRows
{
    public const string IdsColumn = "__mlnet_lm_token_ids__";

    public const string MaskColumn = "__mlnet_lm_attention_mask__";

    public const string ContractPrefix = "MLNet.Compression.ML.TokenIds";

    /// <summary>Length → shape.</summary>
    public static IReadOnlyDictionary<int, IStageShape> Shapes { get; } = new Dictionary<int, IStageShape>
    {
        [16] = new TextStageShape<TokenIdsRow16, TokenIdsResult>(ContractPrefix + "16", IdsColumn, MaskColumn),
        [32] = new TextStageShape<TokenIdsRow32, TokenIdsResult>(ContractPrefix + "32", IdsColumn, MaskColumn),
        [64] = new TextStageShape<TokenIdsRow64, TokenIdsResult>(ContractPrefix + "64", IdsColumn, MaskColumn),
        [128] = new TextStageShape<TokenIdsRow128, TokenIdsResult>(ContractPrefix + "128", IdsColumn, MaskColumn),
        [256] = new TextStageShape<TokenIdsRow256, TokenIdsResult>(ContractPrefix + "256", IdsColumn, MaskColumn),
        [512] = new TextStageShape<TokenIdsRow512, TokenIdsResult>(ContractPrefix + "512", IdsColumn, MaskColumn),
    };
}

/// <summary>Ids and attention mask of one row, both of the stage's fixed length.</summary>
internal sealed record TokenIdsResult(int[] Ids, int[] Mask);

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenIdsRow16 : IOutputRow<TokenIdsResult>
{
    [ColumnName(TokenIdsRows.IdsColumn), VectorType(16)] public int[] Ids { get; set; } = [];
    [ColumnName(TokenIdsRows.MaskColumn), VectorType(16)] public int[] Mask { get; set; } = [];
    void IOutputRow<TokenIdsResult>.Set(TokenIdsResult result) => (Ids, Mask) = (result.Ids, result.Mask);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(TokenIdsRows.ContractPrefix + "16")]
public sealed class TokenIdsFactory16() : StageMappingFactory<TextRow, TokenIdsRow16>(TokenIdsRows.ContractPrefix + "16");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenIdsRow32 : IOutputRow<TokenIdsResult>
{
    [ColumnName(TokenIdsRows.IdsColumn), VectorType(32)] public int[] Ids { get; set; } = [];
    [ColumnName(TokenIdsRows.MaskColumn), VectorType(32)] public int[] Mask { get; set; } = [];
    void IOutputRow<TokenIdsResult>.Set(TokenIdsResult result) => (Ids, Mask) = (result.Ids, result.Mask);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(TokenIdsRows.ContractPrefix + "32")]
public sealed class TokenIdsFactory32() : StageMappingFactory<TextRow, TokenIdsRow32>(TokenIdsRows.ContractPrefix + "32");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenIdsRow64 : IOutputRow<TokenIdsResult>
{
    [ColumnName(TokenIdsRows.IdsColumn), VectorType(64)] public int[] Ids { get; set; } = [];
    [ColumnName(TokenIdsRows.MaskColumn), VectorType(64)] public int[] Mask { get; set; } = [];
    void IOutputRow<TokenIdsResult>.Set(TokenIdsResult result) => (Ids, Mask) = (result.Ids, result.Mask);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(TokenIdsRows.ContractPrefix + "64")]
public sealed class TokenIdsFactory64() : StageMappingFactory<TextRow, TokenIdsRow64>(TokenIdsRows.ContractPrefix + "64");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenIdsRow128 : IOutputRow<TokenIdsResult>
{
    [ColumnName(TokenIdsRows.IdsColumn), VectorType(128)] public int[] Ids { get; set; } = [];
    [ColumnName(TokenIdsRows.MaskColumn), VectorType(128)] public int[] Mask { get; set; } = [];
    void IOutputRow<TokenIdsResult>.Set(TokenIdsResult result) => (Ids, Mask) = (result.Ids, result.Mask);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(TokenIdsRows.ContractPrefix + "128")]
public sealed class TokenIdsFactory128() : StageMappingFactory<TextRow, TokenIdsRow128>(TokenIdsRows.ContractPrefix + "128");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenIdsRow256 : IOutputRow<TokenIdsResult>
{
    [ColumnName(TokenIdsRows.IdsColumn), VectorType(256)] public int[] Ids { get; set; } = [];
    [ColumnName(TokenIdsRows.MaskColumn), VectorType(256)] public int[] Mask { get; set; } = [];
    void IOutputRow<TokenIdsResult>.Set(TokenIdsResult result) => (Ids, Mask) = (result.Ids, result.Mask);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(TokenIdsRows.ContractPrefix + "256")]
public sealed class TokenIdsFactory256() : StageMappingFactory<TextRow, TokenIdsRow256>(TokenIdsRows.ContractPrefix + "256");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenIdsRow512 : IOutputRow<TokenIdsResult>
{
    [ColumnName(TokenIdsRows.IdsColumn), VectorType(512)] public int[] Ids { get; set; } = [];
    [ColumnName(TokenIdsRows.MaskColumn), VectorType(512)] public int[] Mask { get; set; } = [];
    void IOutputRow<TokenIdsResult>.Set(TokenIdsResult result) => (Ids, Mask) = (result.Ids, result.Mask);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(TokenIdsRows.ContractPrefix + "512")]
public sealed class TokenIdsFactory512() : StageMappingFactory<TextRow, TokenIdsRow512>(TokenIdsRows.ContractPrefix + "512");
