namespace ClassifyWithCompressedModel;

/// <summary>One labelled sentence: the input row of both pipelines.</summary>
public sealed class Statement
{
    public string Text { get; set; } = "";

    /// <summary>True when the sentence states a fact of the world.</summary>
    public bool Label { get; set; }
}

/// <summary>The columns a binary classifier adds that the sample reads back.</summary>
public sealed class Prediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }
}
