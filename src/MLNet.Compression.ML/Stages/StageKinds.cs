using System.Text.Json.Nodes;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>Rebuilds a stage from its kind and settings in stages.json (the inverse of <see cref="LanguageModelStage.Settings"/>).</summary>
internal static class StageKinds
{
    public static LanguageModelStage Create(string kind, JsonObject settings, LanguageModel? model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
    {
        LanguageModel Model() => model ?? throw new InvalidDataException($"a '{kind}' stage needs a model, and none is stored for it.");
        return kind switch
        {
            EmbeddingStage.KindName => EmbeddingStage.Read(settings, Model(), tokenizer, files, changes),
            TokenIdsStage.KindName => TokenIdsStage.Read(settings, model, tokenizer, files),
            LikelihoodStage.KindName => LikelihoodStage.Read(settings, Model(), tokenizer, files, changes),
            FillMaskStage.KindName => FillMaskStage.Read(settings, Model(), tokenizer, files, changes),
            GenerationStage.KindName => GenerationStage.Read(settings, Model(), tokenizer, files, changes),
            CompressedModelStage.KindName => new CompressedModelStage(Model(), tokenizer, files, changes),
            _ => throw new InvalidDataException($"stage kind '{kind}' is not known to this build of MLNet.Compression.ML (known: {EmbeddingStage.KindName}, {TokenIdsStage.KindName}, {LikelihoodStage.KindName}, {FillMaskStage.KindName}, {GenerationStage.KindName}, {CompressedModelStage.KindName}); upgrade it to load this model."),
        };
    }
}
