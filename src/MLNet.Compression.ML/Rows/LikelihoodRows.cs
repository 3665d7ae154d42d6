using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.Compression.ML.Rows;

/// <summary>The output row of LogLikelihood: scalars, so one class serves every model.</summary>
internal static class LikelihoodRows
{
    public const string LogLikelihoodColumn = "__mlnet_lm_log_likelihood__";

    public const string PerplexityColumn = "__mlnet_lm_perplexity__";

    public const string TokensColumn = "__mlnet_lm_scored_tokens__";

    public const string Contract = "MLNet.Compression.ML.LogLikelihood";

    public static IStageShape Shape { get; } = new TextStageShape<LikelihoodRow, LikelihoodResult>(Contract, LogLikelihoodColumn, PerplexityColumn, TokensColumn);
}

/// <summary>Σ log p over the scored tokens (natural log), exp(−that / tokens), and the number of tokens scored.</summary>
internal sealed record LikelihoodResult(float LogLikelihood, float Perplexity, int Tokens);

[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LikelihoodRow : IOutputRow<LikelihoodResult>
{
    [ColumnName(LikelihoodRows.LogLikelihoodColumn)] public float LogLikelihood { get; set; }
    [ColumnName(LikelihoodRows.PerplexityColumn)] public float Perplexity { get; set; }
    [ColumnName(LikelihoodRows.TokensColumn)] public int Tokens { get; set; }
    void IOutputRow<LikelihoodResult>.Set(LikelihoodResult result) => (LogLikelihood, Perplexity, Tokens) = (result.LogLikelihood, result.Perplexity, result.Tokens);
}

[EditorBrowsable(EditorBrowsableState.Never), CustomMappingFactoryAttribute(LikelihoodRows.Contract)]
public sealed class LikelihoodFactory() : StageMappingFactory<TextRow, LikelihoodRow>(LikelihoodRows.Contract);
