using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.Compression.ML.Rows;

/// <summary>
/// Output rows of Embed, one class per hidden size: a loaded CustomMapping learns its vector size only from a constant
/// <c>[VectorType(N)]</c> on its row class, so every size a model family uses has its own class, factory and contract.
/// </summary>
internal static class EmbeddingRows
{
    /// <summary>The fixed name of the embedding column inside the stage.</summary>
    public const string Column = "__mlnet_lm_embedding__";

    public const string ContractPrefix = "MLNet.Compression.ML.Embedding";

    /// <summary>Hidden size → shape.</summary>
    public static IReadOnlyDictionary<int, IStageShape> Shapes { get; } = new Dictionary<int, IStageShape>
    {
        [32] = new TextStageShape<EmbeddingRow32, float[]>(ContractPrefix + "32", Column),
        [64] = new TextStageShape<EmbeddingRow64, float[]>(ContractPrefix + "64", Column),
        [128] = new TextStageShape<EmbeddingRow128, float[]>(ContractPrefix + "128", Column),
        [256] = new TextStageShape<EmbeddingRow256, float[]>(ContractPrefix + "256", Column),
        [384] = new TextStageShape<EmbeddingRow384, float[]>(ContractPrefix + "384", Column),
        [512] = new TextStageShape<EmbeddingRow512, float[]>(ContractPrefix + "512", Column),
        [768] = new TextStageShape<EmbeddingRow768, float[]>(ContractPrefix + "768", Column),
        [1024] = new TextStageShape<EmbeddingRow1024, float[]>(ContractPrefix + "1024", Column),
        [1536] = new TextStageShape<EmbeddingRow1536, float[]>(ContractPrefix + "1536", Column),
        [2048] = new TextStageShape<EmbeddingRow2048, float[]>(ContractPrefix + "2048", Column),
        [2560] = new TextStageShape<EmbeddingRow2560, float[]>(ContractPrefix + "2560", Column),
        [3072] = new TextStageShape<EmbeddingRow3072, float[]>(ContractPrefix + "3072", Column),
        [4096] = new TextStageShape<EmbeddingRow4096, float[]>(ContractPrefix + "4096", Column),
        [5120] = new TextStageShape<EmbeddingRow5120, float[]>(ContractPrefix + "5120", Column),
        [8192] = new TextStageShape<EmbeddingRow8192, float[]>(ContractPrefix + "8192", Column),
    };
}

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow32 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(32)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "32")]
public sealed class EmbeddingFactory32() : StageMappingFactory<TextRow, EmbeddingRow32>(EmbeddingRows.ContractPrefix + "32");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow64 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(64)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "64")]
public sealed class EmbeddingFactory64() : StageMappingFactory<TextRow, EmbeddingRow64>(EmbeddingRows.ContractPrefix + "64");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow128 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(128)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "128")]
public sealed class EmbeddingFactory128() : StageMappingFactory<TextRow, EmbeddingRow128>(EmbeddingRows.ContractPrefix + "128");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow256 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(256)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "256")]
public sealed class EmbeddingFactory256() : StageMappingFactory<TextRow, EmbeddingRow256>(EmbeddingRows.ContractPrefix + "256");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow384 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(384)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "384")]
public sealed class EmbeddingFactory384() : StageMappingFactory<TextRow, EmbeddingRow384>(EmbeddingRows.ContractPrefix + "384");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow512 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(512)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "512")]
public sealed class EmbeddingFactory512() : StageMappingFactory<TextRow, EmbeddingRow512>(EmbeddingRows.ContractPrefix + "512");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow768 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(768)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "768")]
public sealed class EmbeddingFactory768() : StageMappingFactory<TextRow, EmbeddingRow768>(EmbeddingRows.ContractPrefix + "768");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow1024 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(1024)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "1024")]
public sealed class EmbeddingFactory1024() : StageMappingFactory<TextRow, EmbeddingRow1024>(EmbeddingRows.ContractPrefix + "1024");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow1536 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(1536)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "1536")]
public sealed class EmbeddingFactory1536() : StageMappingFactory<TextRow, EmbeddingRow1536>(EmbeddingRows.ContractPrefix + "1536");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow2048 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(2048)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "2048")]
public sealed class EmbeddingFactory2048() : StageMappingFactory<TextRow, EmbeddingRow2048>(EmbeddingRows.ContractPrefix + "2048");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow2560 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(2560)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "2560")]
public sealed class EmbeddingFactory2560() : StageMappingFactory<TextRow, EmbeddingRow2560>(EmbeddingRows.ContractPrefix + "2560");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow3072 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(3072)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "3072")]
public sealed class EmbeddingFactory3072() : StageMappingFactory<TextRow, EmbeddingRow3072>(EmbeddingRows.ContractPrefix + "3072");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow4096 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(4096)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "4096")]
public sealed class EmbeddingFactory4096() : StageMappingFactory<TextRow, EmbeddingRow4096>(EmbeddingRows.ContractPrefix + "4096");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow5120 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(5120)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "5120")]
public sealed class EmbeddingFactory5120() : StageMappingFactory<TextRow, EmbeddingRow5120>(EmbeddingRows.ContractPrefix + "5120");

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmbeddingRow8192 : IOutputRow<float[]>
{
    [ColumnName(EmbeddingRows.Column), VectorType(8192)] public float[] Embedding { get; set; } = [];
    void IOutputRow<float[]>.Set(float[] result) => Embedding = result;
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(EmbeddingRows.ContractPrefix + "8192")]
public sealed class EmbeddingFactory8192() : StageMappingFactory<TextRow, EmbeddingRow8192>(EmbeddingRows.ContractPrefix + "8192");
