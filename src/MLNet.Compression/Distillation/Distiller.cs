using System.Diagnostics;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors.Autograd;
using MLNet.Compression.Training;

namespace MLNet.Compression.Distillation;

/// <summary>
/// Trains a student against a teacher on token rows: each step draws a batch (masked-LM corruption for masked and
/// seq2seq models, plain rows for causal ones), runs the teacher on the inference engine, records the student on the tape
/// and takes one AdamW step on <see cref="DistillationLoss"/>. The same loop distils a smaller student and recovers a
/// compressed model (whose constraints keep its pruned weights at zero or its quantized ones on their grid).
/// </summary>
public sealed class Distiller
{
    /// <summary>Settings of one distillation run; defaults follow DistilBERT's where they apply.</summary>
    public sealed class Options
    {
        /// <summary>The loss and its weights.</summary>
        public DistillationLoss Loss { get; set; } = new();

        /// <summary>Optimizer steps. Default 1000.</summary>
        public int Steps { get; set; } = 1000;

        /// <summary>Rows per batch. Default 16.</summary>
        public int BatchSize { get; set; } = 16;

        /// <summary>Tokens per row (longer rows are cut). Default 64.</summary>
        public int SequenceLength { get; set; } = 64;

        /// <summary>Peak learning rate; DistilBERT used 5e-4 with its batch of 4k tokens. Default 5e-4.</summary>
        public double LearningRate { get; set; } = 5e-4;

        /// <summary>Share of the steps spent warming up linearly; DistilBERT's warmup_prop = 0.05.</summary>
        public double WarmupFraction { get; set; } = 0.05;

        /// <summary>Global gradient-norm clip; DistilBERT's max_grad_norm = 5.</summary>
        public double MaxGradNorm { get; set; } = 5.0;

        /// <summary>AdamW weight decay; DistilBERT's 0.</summary>
        public double WeightDecay { get; set; }

        /// <summary>Masked-LM selection probability (masked and seq2seq models).</summary>
        public double MaskProbability { get; set; } = 0.15;

        /// <summary>Seed of batches and masks.</summary>
        public ulong Seed { get; set; }

        /// <summary>Write a resumable checkpoint every this many steps (0: never).</summary>
        public int CheckpointEvery { get; set; }

        /// <summary>A copy whose setters do not change this one.</summary>
        public Options Clone() => (Options)MemberwiseClone();

        /// <summary>A copy that draws with <paramref name="context"/>'s seed unless <see cref="Seed"/> is set, as the estimators do.</summary>
        public Options SeededFrom(CompressionContext context)
        {
            var copy = Clone();
            if (context.Seed is int seed && copy.Seed == 0) copy.Seed = (ulong)seed;
            return copy;
        }
    }

    /// <summary>Called after every step with (step, total steps, the loss's moving average).</summary>
    public delegate void Progress(int step, int total, float loss);

    /// <summary>
    /// What a run has done so far, counted across resumes: steps, the first step's loss, the moving average of the loss
    /// (0.9 per step), wall seconds and real tokens seen.
    /// </summary>
    public sealed record Result(int Steps, float FirstLoss, float FinalLoss, double Seconds, long Tokens)
    {
        /// <summary>Nothing done yet.</summary>
        public static Result None { get; } = new(0, float.NaN, float.NaN, 0, 0);

        /// <summary>Student tokens (teacher and student forward, student backward) per second.</summary>
        public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
    }

    private readonly LanguageModel _teacher;
    private readonly Trainer _trainer;
    private readonly Options _options;
    private readonly LanguageModelingBatches _batches;
    private readonly int _maskTokenId;
    private readonly IReadOnlySet<int> _specialIds;

    /// <param name="teacher">Runs on the inference engine only; never changed.</param>
    /// <param name="student">Trained in place (wrap a copy when its arrays are shared).</param>
    /// <param name="rows">Token ids of the training text, one row per line or chunk.</param>
    /// <param name="maskTokenId">The [MASK] id, for masked-LM corruption (masked and seq2seq students).</param>
    /// <param name="specialIds">Ids never masked (CLS, SEP, pad, …).</param>
    /// <param name="constraints">rules the student keeps (<see cref="CompressedModelRecovery.Constraints"/>); on resume their
    /// state comes from the checkpoint too</param>
    public Distiller(LanguageModel teacher, TrainableModel student, IReadOnlyList<int[]> rows, Options options,
        int? maskTokenId = null, IReadOnlySet<int>? specialIds = null, string? resumeFrom = null, IReadOnlyList<IParameterConstraint>? constraints = null)
    {
        options.Loss.Validate();
        if (options.Steps <= 0) throw new ArgumentException($"--steps: must be a positive number of steps, got {options.Steps}.");
        if (rows.Count == 0 || rows.All(r => r.Length == 0)) throw new ArgumentException("--text: the training text has no tokens.");
        if (teacher.Kind == ModelKind.Encoder || student.Kind == ModelKind.Encoder)
            throw new ArgumentException("--teacher: a bare encoder has no LM head, so there are no logits to distil; distil its masked-LM checkpoint.");
        StudentBuilder.CheckSameVocabulary(teacher, student.Model);
        if (teacher.Kind != student.Kind) throw new ArgumentException($"--student-config: the student is a {student.Kind} model but the teacher a {teacher.Kind} one.");
        if (student.Kind != ModelKind.CausalLM && maskTokenId is null)
            throw new ArgumentException($"the {student.ModelType} student is trained with masked-LM corruption, which needs the tokenizer's mask token.");
        _teacher = teacher;
        _options = options;
        _maskTokenId = maskTokenId ?? 0;
        _specialIds = specialIds ?? new HashSet<int>();
        int pad = teacher.Generation.PadTokenId ?? 0;
        _batches = new LanguageModelingBatches(rows.Where(r => r.Length > 0).ToList(), pad, new LanguageModelingBatches.Options
        {
            BatchSize = options.BatchSize, SequenceLength = options.SequenceLength, MaskProbability = options.MaskProbability,
        });
        var trainerOptions = new Trainer.Options
        {
            Optimizer = new AdamW.Options { LearningRate = options.LearningRate, WeightDecay = options.WeightDecay },
            MaxGradNorm = options.MaxGradNorm,
            WarmupSteps = (int)Math.Round(options.WarmupFraction * options.Steps),
            TotalSteps = options.Steps,
            Schedule = ScheduleKind.Linear,
            Seed = options.Seed,
        };
        _trainer = resumeFrom is null ? new Trainer(student, trainerOptions) : Trainer.LoadCheckpoint(resumeFrom, student);
        if (constraints is not null) _trainer.Constraints.AddRange(constraints);
        if (resumeFrom is not null) _trainer.RestoreConstraints(resumeFrom);
    }

    /// <summary>A distiller over encoded training text (<see cref="TrainingText"/> carries the rows and the masking tokens).</summary>
    public Distiller(LanguageModel teacher, TrainableModel student, TrainingText text, Options options, string? resumeFrom = null,
        IReadOnlyList<IParameterConstraint>? constraints = null)
        : this(teacher, student, text.Rows, options, text.MaskTokenId, text.SpecialIds, resumeFrom, constraints)
    {
    }

    /// <summary>The trainer (model, optimizer, step count, constraints).</summary>
    public Trainer Trainer => _trainer;

    /// <summary>
    /// Runs the steps left, up to <paramref name="stopAt"/> or <see cref="Options.Steps"/>. <paramref name="earlier"/>
    /// carries the counts of the run a checkpoint continues; <paramref name="checkpoint"/> is called every
    /// <see cref="Options.CheckpointEvery"/> steps before the last (to save <see cref="Trainer"/>'s checkpoint and the counts),
    /// so a stopped run continues from the last one with the same batches.
    /// </summary>
    public Result Run(Progress? progress = null, int? stopAt = null, Result? earlier = null, Action<Result>? checkpoint = null,
        CancellationToken cancel = default)
    {
        int end = Math.Min(stopAt ?? _options.Steps, _options.Steps);
        earlier ??= Result.None;
        var sw = Stopwatch.StartNew();
        float first = earlier.FirstLoss, ema = earlier.FinalLoss;
        long tokens = earlier.Tokens;
        Result Now() => new(_trainer.StepCount, first, ema, earlier.Seconds + sw.Elapsed.TotalSeconds, tokens);
        while (_trainer.StepCount < end)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = NextBatch();
            float loss = Step(batch);
            tokens += batch.AttentionMask.Count(m => m != 0);
            if (float.IsNaN(first)) first = loss;
            ema = float.IsNaN(ema) ? loss : 0.9f * ema + 0.1f * loss;
            int step = _trainer.StepCount;
            progress?.Invoke(step, _options.Steps, ema);
            if (checkpoint is not null && _options.CheckpointEvery > 0 && step % _options.CheckpointEvery == 0 && step < _options.Steps)
                checkpoint(Now());
        }
        return Now();
    }

    /// <summary>The next batch from the trainer's generator: masked-LM corruption for masked and seq2seq models.</summary>
    public TrainingBatch NextBatch()
    {
        var student = _trainer.Model;
        if (student.Kind == ModelKind.CausalLM) return _batches.CausalLm(_trainer.Random);
        var masked = _batches.MaskedLm(_trainer.Random, _maskTokenId, student.Model.VocabSize, _specialIds);
        if (student.Kind == ModelKind.MaskedLM) return masked;
        // Seq2seq: the corrupted row is the source and the decoder reconstructs the whole original row (BART's denoising).
        var original = new int[masked.InputIds.Length];
        for (int i = 0; i < original.Length; i++)
            original[i] = masked.AttentionMask[i] == 0 ? Tape.IgnoreIndex : masked.Labels[i] != Tape.IgnoreIndex ? masked.Labels[i] : masked.InputIds[i];
        return masked with { Labels = original };
    }

    /// <summary>One optimizer step on <paramref name="batch"/>; returns the loss before the update.</summary>
    public float Step(TrainingBatch batch)
    {
        var student = _trainer.Model;
        var (input, targets) = student.LabelledInput(batch);
        var teacherOut = _teacher.Forward(input, new ForwardOptions { OutputHiddenStates = false });
        int[] soft = SoftRows(student.Kind, batch, targets);
        return _trainer.Step(tape =>
        {
            var studentOut = student.Forward(tape, input);
            return _options.Loss.Compute(tape, studentOut, teacherOut, soft, targets).Total;
        }).Loss;
    }

    /// <summary>Rows the soft losses cover: every real token (decoder targets for seq2seq).</summary>
    private static int[] SoftRows(ModelKind kind, TrainingBatch batch, int[] targets)
    {
        if (kind == ModelKind.Seq2SeqLM) return Enumerable.Range(0, targets.Length).Where(i => targets[i] != Tape.IgnoreIndex).ToArray();
        return Enumerable.Range(0, batch.AttentionMask.Length).Where(i => batch.AttentionMask[i] != 0).ToArray();
    }
}
