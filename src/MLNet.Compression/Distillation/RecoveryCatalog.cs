using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Distillation;

public static class RecoveryCatalog
{
    /// <summary>
    /// Recovery training on <paramref name="text"/> against the chain's input (or <paramref name="teacher"/>): append it to
    /// pruning or quantization stages. Unset arguments take <see cref="Distiller.Options"/>' defaults.
    /// </summary>
    public static RecoveryEstimator Recover(this DistillationCatalog catalog, TrainingText text, int? steps = null, Modeling.LanguageModel? teacher = null)
    {
        var training = new Distiller.Options();
        training.Steps = steps ?? training.Steps;
        return catalog.Recover(new RecoveryEstimator.Options { Text = text, Training = training, Teacher = teacher });
    }

    /// <summary>Recovery with every option.</summary>
    public static RecoveryEstimator Recover(this DistillationCatalog catalog, RecoveryEstimator.Options options) => new(catalog.Context, options);
}
