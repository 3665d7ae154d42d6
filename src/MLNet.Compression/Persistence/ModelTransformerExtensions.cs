using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Persistence;

public static class ModelTransformerExtensions
{
    /// <summary>
    /// Writes the compressed model of a fitted stage or chain as a folder (docs/FORMATS.md) that <see cref="CompressedModel.Load"/>,
    /// <see cref="Modeling.ModelLoader.Load"/> and every CLI command read; the source is the folder the model was loaded from.
    /// </summary>
    public static CompressedModelManifest Save(this ModelTransformer transformer, string path, CompressedModel.SaveOptions? options = null)
        => CompressedModel.Save(transformer, path, options);
}
