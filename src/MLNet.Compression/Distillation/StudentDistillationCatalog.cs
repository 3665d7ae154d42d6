using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Distillation;

public static class StudentDistillationCatalog
{
    /// <summary>
    /// A student keeping <paramref name="layers"/> of the teacher (default: half of them, spread as DistilBERT's), distilled on
    /// <paramref name="text"/>. Unset arguments take <see cref="Distiller.Options"/>' defaults (DistilBERT's T 2, α 5, β 2, γ 1).
    /// </summary>
    public static StudentDistillationEstimator Student(this DistillationCatalog catalog, TrainingText text, IReadOnlyList<int>? layers = null, int? steps = null)
    {
        var training = new Distiller.Options();
        training.Steps = steps ?? training.Steps;
        return catalog.Student(new StudentDistillationEstimator.Options { Text = text, StudentLayers = layers, Training = training });
    }

    /// <summary>Student distillation with every option.</summary>
    public static StudentDistillationEstimator Student(this DistillationCatalog catalog, StudentDistillationEstimator.Options options) => new(catalog.Context, options);
}
