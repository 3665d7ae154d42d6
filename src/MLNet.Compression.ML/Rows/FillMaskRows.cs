using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.Compression.ML.Rows;

/// <summary>
/// Output rows of FillMask, one class per k (the vector size must be a constant of the row class, see
/// <see cref="EmbeddingRows"/>): the k best tokens at the mask as text, their probabilities and their ids.
/// </summary>
internal static class FillMaskRows
{
    public const string TokensColumn = "__mlnet_lm_fill_tokens__";

    public const string ScoresColumn = "__mlnet_lm_fill_scores__";

    public const string IdsColumn = "__mlnet_lm_fill_ids__";

    public const string ContractPrefix = "MLNet.Compression.ML.FillMask";

    /// <summary>k → shape.</summary>
    public static IReadOnlyDictionary<int, IStageShape> Shapes { get; } = new Dictionary<int, IStageShape>
    {
        [1] = new TextStageShape<FillMaskRow1, FillMaskResult>(ContractPrefix + "1", TokensColumn, ScoresColumn, IdsColumn),
        [5] = new TextStageShape<FillMaskRow5, FillMaskResult>(ContractPrefix + "5", TokensColumn, ScoresColumn, IdsColumn),
        [10] = new TextStageShape<FillMaskRow10, FillMaskResult>(ContractPrefix + "10", TokensColumn, ScoresColumn, IdsColumn),
        [20] = new TextStageShape<FillMaskRow20, FillMaskResult>(ContractPrefix + "20", TokensColumn, ScoresColumn, IdsColumn),
    };
}

/// <summary>The k best tokens of one row, best first: decoded text, probability, id.</summary>
internal sealed record FillMaskResult(string[] Tokens, float[] Scores, int[] Ids);

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FillMaskRow1 : IOutputRow<FillMaskResult>
{
    [ColumnName(FillMaskRows.TokensColumn), VectorType(1)] public string[] Tokens { get; set; } = [];
    [ColumnName(FillMaskRows.ScoresColumn), VectorType(1)] public float[] Scores { get; set; } = [];
    [ColumnName(FillMaskRows.IdsColumn), VectorType(1)] public int[] Ids { get; set; } = [];
    void IOutputRow<FillMaskResult>.Set(FillMaskResult result) => (Tokens, Scores, Ids) = (result.Tokens, result.Scores, result.Ids);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(FillMaskRows.ContractPrefix + "1")]
public sealed class FillMaskFactory1() : StageMappingFactory<TextRow, FillMaskRow1>(FillMaskRows.ContractPrefix + "1");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FillMaskRow5 : IOutputRow<FillMaskResult>
{
    [ColumnName(FillMaskRows.TokensColumn), VectorType(5)] public string[] Tokens { get; set; } = [];
    [ColumnName(FillMaskRows.ScoresColumn), VectorType(5)] public float[] Scores { get; set; } = [];
    [ColumnName(FillMaskRows.IdsColumn), VectorType(5)] public int[] Ids { get; set; } = [];
    void IOutputRow<FillMaskResult>.Set(FillMaskResult result) => (Tokens, Scores, Ids) = (result.Tokens, result.Scores, result.Ids);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(FillMaskRows.ContractPrefix + "5")]
public sealed class FillMaskFactory5() : StageMappingFactory<TextRow, FillMaskRow5>(FillMaskRows.ContractPrefix + "5");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FillMaskRow10 : IOutputRow<FillMaskResult>
{
    [ColumnName(FillMaskRows.TokensColumn), VectorType(10)] public string[] Tokens { get; set; } = [];
    [ColumnName(FillMaskRows.ScoresColumn), VectorType(10)] public float[] Scores { get; set; } = [];
    [ColumnName(FillMaskRows.IdsColumn), VectorType(10)] public int[] Ids { get; set; } = [];
    void IOutputRow<FillMaskResult>.Set(FillMaskResult result) => (Tokens, Scores, Ids) = (result.Tokens, result.Scores, result.Ids);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(FillMaskRows.ContractPrefix + "10")]
public sealed class FillMaskFactory10() : StageMappingFactory<TextRow, FillMaskRow10>(FillMaskRows.ContractPrefix + "10");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FillMaskRow20 : IOutputRow<FillMaskResult>
{
    [ColumnName(FillMaskRows.TokensColumn), VectorType(20)] public string[] Tokens { get; set; } = [];
    [ColumnName(FillMaskRows.ScoresColumn), VectorType(20)] public float[] Scores { get; set; } = [];
    [ColumnName(FillMaskRows.IdsColumn), VectorType(20)] public int[] Ids { get; set; } = [];
    void IOutputRow<FillMaskResult>.Set(FillMaskResult result) => (Tokens, Scores, Ids) = (result.Tokens, result.Scores, result.Ids);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(FillMaskRows.ContractPrefix + "20")]
public sealed class FillMaskFactory20() : StageMappingFactory<TextRow, FillMaskRow20>(FillMaskRows.ContractPrefix + "20");
