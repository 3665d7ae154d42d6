using Microsoft.ML;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Stages;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML;

/// <summary>One language-model stage of a fitted or loaded pipeline.</summary>
/// <param name="Kind">embed, token-ids, log-likelihood, fill-mask or compressed-model (as stages.json names it)</param>
/// <param name="Model">the model the stage runs (the compressed model for compressed-model); null for token-ids without a model</param>
/// <param name="Tokenizer">its tokenizer</param>
/// <param name="Changes">what compression did to the model's layers; empty for a model used as loaded</param>
public sealed record LanguageModelStageInfo(string Kind, LanguageModel? Model, Tokenizer Tokenizer, IReadOnlyList<LayerChange> Changes);

/// <summary>Finds the language-model stages of a pipeline.</summary>
public static class LanguageModelStages
{
    /// <summary>
    /// The language-model stages of <paramref name="transformer"/> in pipeline order, e.g. the model a Compress stage
    /// produced: <c>LanguageModelStages.In(fitted).First(s => s.Kind == "compressed-model").Model</c>.
    /// </summary>
    public static IReadOnlyList<LanguageModelStageInfo> In(ITransformer transformer)
        => StageRegistry.StagesOf(transformer).Select(s => new LanguageModelStageInfo(s.Kind, s.Model, s.Tokenizer, s.Changes)).ToList();
}
