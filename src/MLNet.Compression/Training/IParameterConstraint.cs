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
}
