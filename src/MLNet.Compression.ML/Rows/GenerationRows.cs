using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.Compression.ML.Rows;

/// <summary>The output row of Generate: a text and a count, so one class serves every model.</summary>
internal static class GenerationRows
{
    public const string TextColumn = "__mlnet_lm_generated_text__";

    public const string TokensColumn = "__mlnet_lm_generated_tokens__";

    public const string Contract = "MLNet.Compression.ML.Generate";

    public static IStageShape Shape { get; } = new TextStageShape<GenerationRow, GenerationResult>(Contract, TextColumn, TokensColumn);
}

/// <summary>The generated continuation (decoded without special tokens) and the number of tokens generated.</summary>
internal sealed record GenerationResult(string Text, int Tokens);

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GenerationRow : IOutputRow<GenerationResult>
{
    [ColumnName(GenerationRows.TextColumn)] public string Text { get; set; } = "";
    [ColumnName(GenerationRows.TokensColumn)] public int Tokens { get; set; }
    void IOutputRow<GenerationResult>.Set(GenerationResult result) => (Text, Tokens) = (result.Text, result.Tokens);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(GenerationRows.Contract)]
public sealed class GenerationFactory() : StageMappingFactory<TextRow, GenerationRow>(GenerationRows.Contract);
