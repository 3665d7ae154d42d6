using System.Globalization;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Training;

namespace MLNet.Compression.Distillation;

/// <summary>
/// Distils the model it is fitted on (the teacher) into a student that keeps some of its layers (<see cref="StudentBuilder"/>,
/// DistilBERT's every other layer by default), trained with DistilBERT's loss (<see cref="DistillationLoss"/>; Sanh et al.
/// 2019) on <see cref="Options.Text"/>. The teacher runs on the inference engine and is never changed; the student is dense.
/// </summary>
public sealed class StudentDistillationEstimator : IModelEstimator<DistillationTransformer>
{
    public sealed class Options
    {
        /// <summary>Teacher layers the student keeps, in order; null: <see cref="StudentLayers.Default"/>.</summary>
        public IReadOnlyList<int>? StudentLayers { get; set; }

        /// <summary>The loss, steps, batches and optimizer settings.</summary>
        public Distiller.Options Training { get; set; } = new();

        /// <summary>The training rows, encoded with the teacher's tokenizer (<see cref="TrainingText.Load"/>); required.</summary>
        public TrainingText? Text { get; set; }

        /// <summary>Called after every step.</summary>
        public Distiller.Progress? Progress { get; set; }
    }

    private readonly Options _options;
    private readonly Distiller.Options _training;

    /// <param name="context">its seed draws batches and masks unless <see cref="Distiller.Options.Seed"/> is set</param>
    public StudentDistillationEstimator(CompressionContext context, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _training = options.Training.SeededFrom(context);
    }

    public DistillationTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
    {
        var text = _options.Text ?? throw new ArgumentException(
            "ctx.Distillation.Student: no training text; give Options.Text (TrainingText.Load with the teacher's tokenizer).");
        var built = _options.StudentLayers is { } layers ? StudentBuilder.FromTeacher(model, layers) : StudentBuilder.FromTeacher(model);
        var student = TrainableModel.FromSource(built.Config, built.Weights);
        var result = new Distiller(model, student, text, _training).Run(_options.Progress);
        string from = string.Join(",", built.TeacherLayers);
        var changes = student.Model.Linears.Select(l => new LayerChange(l.Name, "distill", "student")
        {
            Details = new Dictionary<string, string>
            {
                ["teacher_layers"] = from,
                ["steps"] = result.Steps.ToString(CultureInfo.InvariantCulture),
            },
        }).DistinctBy(c => c.Layer).ToList();
        return new DistillationTransformer(student.Model, changes, result);
    }

    /// <summary>Null: the student's layers are not the teacher's, so later stages cannot be previewed on the teacher.</summary>
    public IReadOnlyList<LayerChange>? Preview(LanguageModel model)
    {
        if (_options.StudentLayers is { } layers) StudentBuilder.FromTeacher(model, layers);
        return null;
    }
}
