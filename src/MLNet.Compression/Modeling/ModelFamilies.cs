namespace MLNet.Compression.Modeling;

/// <summary>The families this build knows, one entry each; ModelLoader dispatches config.json "model_type" through them.</summary>
internal static class ModelFamilies
{
    public static IModelFamily[] All =>
    [
        new Bert.BertFamily(),
        new T5.T5Family(),
        new Bart.BartFamily(),
    ];
}
