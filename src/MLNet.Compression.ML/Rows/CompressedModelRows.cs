using System.ComponentModel;
using Microsoft.ML.Transforms;

namespace MLNet.Compression.ML.Rows;

/// <summary>The Compress stage's mapping: no columns in or out; it exists so the compressed model is saved and loaded with the pipeline.</summary>
internal static class CompressedModelRows
{
    public const string Contract = "MLNet.Compression.ML.CompressedModel";

    public static IStageShape Shape { get; } = new PassThroughShape(Contract);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(CompressedModelRows.Contract)]
public sealed class CompressedModelFactory() : StageMappingFactory<NoColumnsRow, NoColumnsRow>(CompressedModelRows.Contract);
