namespace MLNet.Compression.Training;

/// <summary>
/// A rule some parameters keep through training, applied by <see cref="Trainer"/> around each optimizer update:
/// <see cref="BeforeUpdate"/> after the gradients are final (clipped), <see cref="AfterUpdate"/> after AdamW has moved the
/// weights. Recovery training uses it to keep pruned weights at zero and to train quantized weights through a
/// straight-through estimator.
/// </summary>
public interface IParameterConstraint
{
    void BeforeUpdate();

    void AfterUpdate();

    /// <summary>
    /// What the constraint holds besides the parameters (a straight-through estimator's float master weights), saved in a
    /// training checkpoint so that a run continues exactly; null when it holds nothing.
    /// </summary>
    float[]? State => null;

    /// <summary>Puts back a <see cref="State"/> read from a checkpoint, after the parameters were restored.</summary>
    void Restore(ReadOnlySpan<float> state) { }
}
