using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// A fitted stage: holds the compressed model and runs it (Transform). Shaped like ML.NET's ITransformer; saved as a
/// compressed model folder with <c>Save</c> from MLNet.Compression.Persistence.
/// </summary>
public class ModelTransformer
{
    public ModelTransformer(LanguageModel model, IReadOnlyList<LayerChange> changes)
    {
        Model = model;
        Changes = changes;
    }

    /// <summary>The compressed model.</summary>
    public LanguageModel Model { get; }

    /// <summary>What this stage (or chain) did, layer by layer.</summary>
    public IReadOnlyList<LayerChange> Changes { get; }

    public ModelOutput Transform(ModelInput input, ForwardOptions? options = null) => Model.Forward(input, options);
}
