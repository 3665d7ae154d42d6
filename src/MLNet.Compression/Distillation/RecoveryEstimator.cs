using System.Globalization;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Distillation;

/// <summary>
/// Recovery training of a compressed model against its dense teacher (<see cref="CompressedModelRecovery"/>): pruned
/// weights stay exactly zero, quantized layers train through a straight-through estimator, and the result is stored in the
/// same forms and size. In a chain the teacher is the chain's input (prune → recover → quantize trains the pruned model
/// against the model before pruning); fitted alone it needs <see cref="Options.Teacher"/>.
/// </summary>
public sealed class RecoveryEstimator : IModelEstimator<DistillationTransformer>, IChainSourceEstimator
{
    public sealed class Options
    {
        /// <summary>The dense teacher; null in a chain, whose input is the teacher.</summary>
        public LanguageModel? Teacher { get; set; }

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
    public RecoveryEstimator(CompressionContext context, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _training = options.Training.SeededFrom(context);
    }

    public DistillationTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
        => Recover(model, _options.Teacher ?? throw new ArgumentException(
            "ctx.Distillation.Recover: no teacher; give Options.Teacher (the dense model), or append the stage to the compression stages of a chain, whose input is the teacher."));

    ModelTransformer IChainSourceEstimator.Fit(LanguageModel model, LanguageModel source, CalibrationData? calibration)
    {
        if (_options.Teacher is null && ReferenceEquals(model, source))
            throw new ArgumentException("ctx.Distillation.Recover: the stage is first in its chain, so the model it would recover is its own teacher; put it after a prune or quantize stage, or give Options.Teacher.");
        return Recover(model, _options.Teacher ?? source);
    }

    private DistillationTransformer Recover(LanguageModel compressed, LanguageModel teacher)
    {
        var text = _options.Text ?? throw new ArgumentException(
            "ctx.Distillation.Recover: no training text; give Options.Text (TrainingText.Load with the teacher's tokenizer).");
        if (compressed.VocabSize != teacher.VocabSize || compressed.Kind != teacher.Kind || compressed.ModelType != teacher.ModelType)
            throw new ArgumentException($"ctx.Distillation.Recover: the model ({compressed.ModelType}, {compressed.Kind}, vocabulary {compressed.VocabSize}) is not a compressed form of the teacher ({teacher.ModelType}, {teacher.Kind}, vocabulary {teacher.VocabSize}).");
        var recovery = CompressedModelRecovery.Prepare(compressed);
        var distiller = new Distiller(teacher, recovery.Trainable, text, _training, constraints: recovery.Constraints);
        var result = distiller.Run(_options.Progress);
        var recovered = recovery.Finish();
        string steps = result.Steps.ToString(CultureInfo.InvariantCulture);
        var changes = recovered.Linears.Select(l => new LayerChange(l.Name, "distill", "recover")
        {
            Details = new Dictionary<string, string> { ["steps"] = steps },
        }).DistinctBy(c => c.Layer).ToList();
        return new DistillationTransformer(recovered, changes, result);
    }

    /// <summary>Every layer is trained and keeps its form and name.</summary>
    public IReadOnlyList<LayerChange>? Preview(LanguageModel model)
        => model.Linears.Select(l => new LayerChange(l.Name, "distill", "recover")).DistinctBy(c => c.Layer).ToList();
}
