using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Distillation;

/// <summary>A fitted distillation stage: the trained student (or recovered model) and how its training went.</summary>
public sealed class DistillationTransformer : ModelTransformer
{
    public DistillationTransformer(LanguageModel model, IReadOnlyList<LayerChange> changes, Distiller.Result training)
        : base(model, changes)
    {
        Training = training;
    }

    /// <summary>Steps, losses, tokens and seconds of the training run.</summary>
    public Distiller.Result Training { get; }
}
