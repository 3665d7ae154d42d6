using System.Runtime.InteropServices;
using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>What one training step did.</summary>
/// <param name="Step">1-based number of the step just taken.</param>
/// <param name="Loss">Mean cross-entropy of the batch before the update.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="ClipCoef">Factor the gradients were multiplied by (1 when clipping is off or not needed).</param>
/// <param name="LearningRate">Learning rate the update used.</param>
public readonly record struct TrainingStep(int Step, float Loss, float GradNorm, float ClipCoef, double LearningRate);

/// <summary>
/// The training loop's state and one step of it: forward and backward on a reused <see cref="Tape"/>, clipping by global
/// norm, the schedule's learning rate, AdamW. Together with the model it holds everything a run needs to continue:
/// <see cref="SaveCheckpoint"/> writes weights, optimizer moments, the step and the random generator's state to one
/// safetensors file (with the state of stateful constraints), and <see cref="LoadCheckpoint(string)"/> continues
/// bit-identically (same thread count, same batches).
/// </summary>
public sealed class Trainer
{
    /// <summary>Optimisation settings.</summary>
    public sealed class Options
    {
        /// <summary>AdamW settings; the base learning rate is scaled by the schedule. Defaults as torch.optim.AdamW.</summary>
        public AdamW.Options Optimizer { get; set; } = new();

        /// <summary>Clip the global gradient norm to this; 0 or less turns clipping off. Default 1.0.</summary>
        public double MaxGradNorm { get; set; } = 1.0;

        /// <summary>Steps of linear warm-up. Default 0.</summary>
        public int WarmupSteps { get; set; }

        /// <summary>Steps of the whole run (where the schedule reaches 0). Default 1000.</summary>
        public int TotalSteps { get; set; } = 1000;

        /// <summary>Decay after warm-up. Default cosine.</summary>
        public ScheduleKind Schedule { get; set; } = ScheduleKind.Cosine;

        /// <summary>Seed of the random generator that batches and masks draw from. Default 0.</summary>
        public ulong Seed { get; set; }
    }

    private const string FormatName = "mlnet-compress-training-checkpoint";
    private const int FormatVersion = 1;
    private readonly Tape _tape = new();

    public Trainer(TrainableModel model, Options? options = null)
    {
        Model = model;
        Settings = options ?? new Options();
        Optimizer = new AdamW(model.Parameters, Settings.Optimizer);
        Random = new TrainingRandom(Settings.Seed);
        Schedule = new LearningRateSchedule(Settings.Schedule, Settings.WarmupSteps, Settings.TotalSteps);
    }

    public TrainableModel Model { get; }

    public Options Settings { get; }

    public AdamW Optimizer { get; }

    /// <summary>The generator batches should draw from, so a checkpoint captures it.</summary>
    public TrainingRandom Random { get; }

    public LearningRateSchedule Schedule { get; }

    /// <summary>Steps completed.</summary>
    public int StepCount { get; private set; }

    /// <summary>
    /// Rules some parameters obey around each update (a pruning mask, a straight-through quantizer), applied in order.
    /// </summary>
    public List<IParameterConstraint> Constraints { get; } = [];

    /// <summary>Forward, backward, clip, update on the language-modelling loss of a batch. Returns the loss before the update.</summary>
    public TrainingStep Step(TrainingBatch batch) => Step(tape => Model.Loss(tape, batch));

    /// <summary>
    /// Forward and backward of any scalar loss <paramref name="lossOf"/> records on the tape (e.g. a distillation loss
    /// over <see cref="TrainableModel.Forward"/>'s outputs), then clip, update. Returns the loss before the update.
    /// </summary>
    public TrainingStep Step(Func<Tape, Variable> lossOf)
    {
        Model.ZeroGrad();
        _tape.Reset();
        var loss = lossOf(_tape);
        float lossValue = loss.Value.Span[0];
        if (!float.IsFinite(lossValue)) throw new InvalidOperationException($"The loss became {lossValue} at step {StepCount + 1}; lower the learning rate.");
        _tape.Backward(loss);
        _tape.Reset();
        var (norm, coef) = Settings.MaxGradNorm > 0
            ? GradientClipping.ClipByGlobalNorm(Model.Parameters, Settings.MaxGradNorm)
            : (GradientClipping.GlobalNorm(Model.Parameters), 1f);
        double lr = Settings.Optimizer.LearningRate * Schedule.Factor(StepCount);
        foreach (var c in Constraints) c.BeforeUpdate();
        Optimizer.Step(lr);
        foreach (var c in Constraints) c.AfterUpdate();
        StepCount++;
        return new TrainingStep(StepCount, lossValue, norm, coef, lr);
    }

    /// <summary>The loss of a batch at the current weights, without gradients.</summary>
    public float Evaluate(TrainingBatch batch)
    {
        _tape.Reset();
        float value = Model.Loss(_tape, batch).Value.Span[0];
        _tape.Reset();
        return value;
    }

    /// <summary>
    /// Writes a training checkpoint (one safetensors file, atomically): param.*, exp_avg.*, exp_avg_sq.* (float32),
    /// adam_steps and step (int64), rng_state (the generator's four words as int64), and in the metadata the model's
    /// config.json and these options.
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        var w = new SafeTensorsWriter()
            .AddMetadata("format", FormatName)
            .AddMetadata("format_version", FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .AddMetadata("config", Model.Config.Root.GetRawText())
            .AddMetadata("options", JsonSerializer.Serialize(Settings));
        // Weights under their Hugging Face keys and layouts (a Conv1D weight as [in, out]), as a model folder stores them;
        // the moments in the parameters' own layouts, matched by name on load.
        var weights = new ModelTensorSource(Model.Model);
        foreach (var key in weights.Keys) w.Add("param." + key, weights.ReadFloat32(key), weights.Shape(key));
        var ps = Model.Parameters;
        for (int i = 0; i < ps.Count; i++)
        {
            w.Add("exp_avg." + ps[i].Name, Optimizer.ExpAvg[i].Data, ps[i].Shape);
            w.Add("exp_avg_sq." + ps[i].Name, Optimizer.ExpAvgSq[i].Data, ps[i].Shape);
        }
        for (int i = 0; i < Constraints.Count; i++)
            if (Constraints[i].State is { } state) w.Add(ConstraintKey(i), state, state.Length);
        w.Add("adam_steps", Optimizer.Steps.Select(s => (long)s).ToArray(), ps.Count);
        w.Add("step", new long[] { StepCount }, 1);
        w.Add("rng_state", MemoryMarshal.Cast<ulong, long>(Random.State).ToArray(), 4);
        w.Save(path);
    }

    /// <summary>
    /// Continues a checkpoint into <paramref name="model"/>, a model of the same config built by the caller (a student,
    /// or a compressed model made trainable): its weights, the optimizer moments, the step and the generator come from the file.
    /// </summary>
    public static Trainer LoadCheckpoint(string path, TrainableModel model)
    {
        var saved = LoadCheckpoint(path);
        if (saved.Model.Config.Root.GetRawText() != model.Config.Root.GetRawText())
            throw new CheckpointException(path, "__metadata__.config", "was written for a model with another config.json; it cannot continue this run.");
        var trainer = new Trainer(model, saved.Settings);
        var index = saved.Model.Parameters.Select((q, k) => (q.Name!, k)).ToDictionary(x => x.Item1, x => x.k);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            var p = model.Parameters[i];
            int j = index.GetValueOrDefault(p.Name!, -1);
            if (j < 0 || saved.Model.Parameters[j].Value.Length != p.Value.Length)
                throw new CheckpointException(path, "param." + p.Name, "missing or of another size.");
            saved.Model.Parameters[j].Value.ReadOnlySpan.CopyTo(p.Value.Span);
            trainer.Optimizer.Restore(i, saved.Optimizer.ExpAvg[j].Span.ToArray(), saved.Optimizer.ExpAvgSq[j].Span.ToArray(), saved.Optimizer.Steps[j]);
        }
        trainer.StepCount = saved.StepCount;
        trainer.Random.State = saved.Random.State;
        return trainer;
    }

    /// <summary>
    /// Restores the <see cref="IParameterConstraint.State"/> of this trainer's constraints from the checkpoint it was loaded
    /// from; the constraints must be those of the run that wrote it, in the same order.
    /// </summary>
    public void RestoreConstraints(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        for (int i = 0; i < Constraints.Count; i++)
        {
            if (Constraints[i].State is not { } state) continue;
            string key = ConstraintKey(i);
            if (!file.Contains(key)) throw new CheckpointException(path, key, "missing: the checkpoint was written by a run without this constraint (its quantized layers differ).");
            var saved = file.ReadFloat32(key);
            if (saved.Length != state.Length) throw new CheckpointException(path, key, $"has {saved.Length} values, expected {state.Length}.");
            Constraints[i].Restore(saved);
        }
    }

    private static string ConstraintKey(int i) => "constraint." + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Rebuilds model, optimizer, schedule and generator from a checkpoint written by <see cref="SaveCheckpoint"/>.</summary>
    public static Trainer LoadCheckpoint(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        string Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? v
            : throw new CheckpointException(path, "__metadata__." + key, $"missing; this is not a {FormatName} file.");
        if (Meta("format") != FormatName) throw new CheckpointException(path, "__metadata__.format", $"expected \"{FormatName}\", found \"{Meta("format")}\".");
        if (!int.TryParse(Meta("format_version"), out int version) || version > FormatVersion)
            throw new CheckpointException(path, "__metadata__.format_version", $"version {Meta("format_version")} is newer than this library reads ({FormatVersion}); upgrade MLNet.Compression.");
        Options options;
        try { options = JsonSerializer.Deserialize<Options>(Meta("options")) ?? new Options(); }
        catch (JsonException e) { throw new CheckpointException(path, "__metadata__.options", $"not valid JSON ({e.Message})."); }
        var config = ConfigJson.Parse(Meta("config"), path + " (config metadata)");
        var source = new InMemoryTensorSource(path);
        foreach (var t in file.Tensors)
            if (t.Name.StartsWith("param.", StringComparison.Ordinal)) source.Add(t.Name["param.".Length..], file.ReadFloat32(t.Name), t.Shape);
        var model = TrainableModel.FromSource(config, source);
        var trainer = new Trainer(model, options);
        long[] Ints(string key, int count)
        {
            if (!file.Contains(key)) throw new CheckpointException(path, key, "missing.");
            var v = file.ReadInt64(key);
            return v.Length == count ? v : throw new CheckpointException(path, key, $"has {v.Length} values, expected {count}.");
        }
        var adamSteps = Ints("adam_steps", model.Parameters.Count);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            string name = model.Parameters[i].Name!;
            foreach (var key in new[] { "exp_avg." + name, "exp_avg_sq." + name })
                if (!file.Contains(key)) throw new CheckpointException(path, key, "missing optimizer moment.");
            trainer.Optimizer.Restore(i, file.ReadFloat32("exp_avg." + name), file.ReadFloat32("exp_avg_sq." + name), (int)adamSteps[i]);
        }
        trainer.StepCount = (int)Ints("step", 1)[0];
        trainer.Random.State = MemoryMarshal.Cast<long, ulong>(Ints("rng_state", 4)).ToArray();
        return trainer;
    }
}
