using System.Text.Json.Nodes;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// The fitted Compress stage: it holds the compressed model (and the changes compression made) and passes rows through,
/// so the model is saved and loaded with the pipeline and <see cref="LanguageModelStages.In"/> finds it.
/// </summary>
internal sealed class CompressedModelStage(LanguageModel model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange> changes)
    : LanguageModelStage(model, tokenizer, files, changes)
{
    public const string KindName = "compressed-model";

    public override string Kind => KindName;

    public override IStageShape Shape => CompressedModelRows.Shape;

    public override JsonObject Settings() => new();
}
