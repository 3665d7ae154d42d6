using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Distillation;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;
using MLNet.Compression.Training;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress distill --teacher DIR [--student-layers 0,2,4 | --student-config FILE | --recover DIR] --text FILE
/// [--steps N --batch-size B --seq-len L --lr LR --temperature T --alpha A --beta B --gamma G --seed S
/// --checkpoint-every N --stop-at STEP --resume] -o DIR`: distils a teacher into a smaller student (DistilBERT's loss,
/// <see cref="DistillationLoss"/>) and saves it as a Hugging Face folder, or, with --recover, trains a compressed model
/// against its dense teacher and saves it in the same compressed forms and size.
/// <para>
/// The student is one of: the teacher's chosen layers (--student-layers), a freshly initialised model of a config.json
/// (--student-config), a compressed model folder (--recover), or, with none of them, the default student of
/// <see cref="StudentBuilder.FromTeacher(LanguageModel)"/> (half the teacher's layers, spread as DistilBERT's).
/// </para>
/// <para>
/// Checkpoints: with --checkpoint-every N (and whenever --stop-at ends a run early) the run's state is saved beside the
/// output folder as <c>NAME.distill-checkpoint.safetensors</c> (weights, optimizer moments, step, random state) and
/// <c>NAME.distill-checkpoint.json</c> (the options the run depends on and its loss, token and time counts so far), where
/// NAME is the output folder's name. They live outside the output folder so the folder is only ever written whole, at the
/// end. The same command with --resume continues from them to --steps (the total, which fixes the learning-rate schedule),
/// giving the same weights as a run that never stopped; a run that completes removes them.
/// </para>
/// </summary>
public static class DistillCommand
{
    /// <summary>The record of a run every output folder holds; it marks a student folder as an earlier output.</summary>
    public const string RecordFile = "distill.json";

    private const string CheckpointSuffix = ".distill-checkpoint.safetensors";
    private const string StateSuffix = ".distill-checkpoint.json";
    private const string StateKind = "mlnet-compress distill checkpoint";
    private const string TrainingCheckpointFormat = "mlnet-compress-training-checkpoint";

    public static Command Create()
    {
        var d = new Distiller.Options();
        var teacher = new Option<string>("--teacher") { Description = "Teacher: a Hugging Face model folder with its tokenizer (or a compressed folder).", Required = true };
        var layers = new Option<string>("--student-layers") { Description = "Teacher layers the student keeps, e.g. 0,2,4 (default: half of them, spread as DistilBERT's).", HelpName = "0,2,4" };
        var studentConfig = new Option<string>("--student-config") { Description = "config.json of a freshly initialised student with the teacher's vocabulary.", HelpName = "FILE" };
        var recover = new Option<string>("--recover") { Description = "Compressed model folder (from prune, quantize or compress) to recover against the teacher; it is saved in the same compressed forms.", HelpName = "DIR" };
        var text = new Option<string>("--text") { Description = "UTF-8 training text, one row per non-empty line, encoded with the teacher's tokenizer.", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps of the whole run.", DefaultValueFactory = _ => d.Steps };
        var batch = new Option<int>("--batch-size") { Description = "Rows per step.", DefaultValueFactory = _ => d.BatchSize };
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per row (longer rows are cut).", DefaultValueFactory = _ => d.SequenceLength };
        var lr = new Option<double>("--lr", "--learning-rate") { Description = "Peak learning rate (linear warm-up over 5% of the steps, then linear decay).", DefaultValueFactory = _ => d.LearningRate };
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature of the soft targets.", DefaultValueFactory = _ => d.Loss.Temperature };
        var alpha = new Option<double>("--alpha") { Description = "Weight of the soft-target KL term.", DefaultValueFactory = _ => d.Loss.Alpha };
        var beta = new Option<double>("--beta") { Description = "Weight of the student's own language-modelling loss.", DefaultValueFactory = _ => d.Loss.Beta };
        var gamma = new Option<double>("--gamma") { Description = "Weight of the hidden-state cosine loss.", DefaultValueFactory = _ => d.Loss.Gamma };
        var seed = new Option<int>("--seed") { Description = "Seed of batches, masks and a --student-config student's initialisation.", DefaultValueFactory = _ => 0 };
        var every = new Option<int>("--checkpoint-every") { Description = "Save a resumable checkpoint beside the output every N steps (0: never).", DefaultValueFactory = _ => 0, HelpName = "N" };
        var stopAt = new Option<int?>("--stop-at") { Description = "End this run once this many steps are done, saving a checkpoint; the same command with --resume continues to --steps.", HelpName = "STEP" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint beside the output (the other options must be the same)." };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write: a Hugging Face model folder, or a compressed folder with --recover (replaced if it is an earlier output).", Required = true };
        var cmd = new Command("distill", "Distil a teacher into a smaller student (DistilBERT's loss), or recover a pruned or quantized model against its dense teacher.")
        {
            teacher, layers, studentConfig, recover, text, steps, batch, seqLen, lr, temperature, alpha, beta, gamma, seed, every, stopAt, resume, output,
        };
        cmd.SetAction(r => CliErrors.Run(() => Run(new Settings
        {
            Teacher = r.GetValue(teacher)!, StudentLayers = r.GetValue(layers), StudentConfig = r.GetValue(studentConfig), Recover = r.GetValue(recover),
            Text = r.GetValue(text)!, Steps = r.GetValue(steps), BatchSize = r.GetValue(batch), SequenceLength = r.GetValue(seqLen),
            LearningRate = r.GetValue(lr), Loss = new DistillationLoss(r.GetValue(temperature), r.GetValue(alpha), r.GetValue(beta), r.GetValue(gamma)),
            Seed = r.GetValue(seed), CheckpointEvery = r.GetValue(every), StopAt = r.GetValue(stopAt), Resume = r.GetValue(resume), Output = r.GetValue(output)!,
        })));
        return cmd;
    }

    /// <summary>What the user asked for.</summary>
    private sealed class Settings
    {
        public required string Teacher { get; init; }
        public string? StudentLayers { get; init; }
        public string? StudentConfig { get; init; }
        public string? Recover { get; init; }
        public required string Text { get; init; }
        public int Steps { get; init; }
        public int BatchSize { get; init; }
        public int SequenceLength { get; init; }
        public double LearningRate { get; init; }
        public required DistillationLoss Loss { get; init; }
        public int Seed { get; init; }
        public int CheckpointEvery { get; init; }
        public int? StopAt { get; init; }
        public bool Resume { get; init; }
        public required string Output { get; init; }

        /// <summary>The options a checkpoint is tied to, by option name; a resumed run must give the same values.</summary>
        public List<KeyValuePair<string, string>> RunDefining() =>
        [
            new("--teacher", Path.GetFullPath(Teacher)),
            new("--student-layers", StudentLayers ?? ""),
            new("--student-config", StudentConfig is null ? "" : Path.GetFullPath(StudentConfig)),
            new("--recover", Recover is null ? "" : Path.GetFullPath(Recover)),
            new("--text", Path.GetFullPath(Text)),
            new("--steps", Number(Steps)),
            new("--batch-size", Number(BatchSize)),
            new("--seq-len", Number(SequenceLength)),
            new("--lr", Number(LearningRate)),
            new("--temperature", Number(Loss.Temperature)),
            new("--alpha", Number(Loss.Alpha)),
            new("--beta", Number(Loss.Beta)),
            new("--gamma", Number(Loss.Gamma)),
            new("--seed", Number(Seed)),
        ];
    }

    /// <summary>The student to train and how to save it.</summary>
    private sealed record Student(TrainableModel Trainable, string Description, IReadOnlyList<int>? TeacherLayers, CompressedModelRecovery? Recovery, LanguageModel? Compressed);

    /// <summary>Loss, token and time counts of a run so far, carried across a checkpoint.</summary>
    private sealed record Progress(float FirstLoss, float Loss, long Tokens, double Seconds);

    private static int Run(Settings s)
    {
        CheckNumbers(s);
        int chosen = new[] { s.StudentLayers, s.StudentConfig, s.Recover }.Count(v => v is not null);
        if (chosen > 1)
            throw new UsageException("--student-layers, --student-config, --recover: give at most one of them (the student is the teacher's layers, a new model of a config, or a compressed model to recover).");
        if (!Directory.Exists(s.Teacher)) throw new UsageException($"--teacher: {s.Teacher}: folder not found (expected a Hugging Face model folder with its tokenizer).");
        if (s.StudentConfig is not null && !File.Exists(ConfigPath(s.StudentConfig)))
            throw new UsageException($"--student-config: {s.StudentConfig}: file not found (expected a config.json).");
        if (s.Recover is not null && !CompressedModel.IsCompressedFolder(s.Recover))
            throw new UsageException($"--recover: {s.Recover} is not a compressed model folder (it has no {CompressedModelManifest.FileName}; expected an output of prune, quantize or compress).");
        CheckOutputFolder(s);
        var (checkpoint, statePath) = CheckpointPaths(s.Output);
        var resumed = s.Resume ? ReadState(s, checkpoint, statePath) : null;
        if (!s.Resume && (s.CheckpointEvery > 0 || s.StopAt is not null)) CheckCheckpointReplaceable(checkpoint, statePath);

        var teacher = ModelLoader.Load(s.Teacher);
        if (teacher.Config is null) throw new UsageException($"--teacher: {s.Teacher} has no config.json; distillation needs a Hugging Face model folder.");
        var tokenizer = AutoTokenizer.FromFolder(s.Teacher);
        var student = BuildStudent(s, teacher);
        CheckSequenceLength(s.SequenceLength, teacher, "the teacher");
        CheckSequenceLength(s.SequenceLength, student.Trainable.Model, "the student");
        var text = UserInput.Check(() => TrainingText.Load(s.Text, tokenizer, teacher, s.SequenceLength));

        var options = new Distiller.Options
        {
            Loss = s.Loss, Steps = s.Steps, BatchSize = s.BatchSize, SequenceLength = s.SequenceLength,
            LearningRate = s.LearningRate, Seed = (ulong)s.Seed, CheckpointEvery = s.CheckpointEvery,
        };
        // The constructor checks the loss weights, steps, rows, vocabularies and kinds, naming the option at fault, and
        // reads the checkpoint on --resume.
        var distiller = UserInput.Check(() => new Distiller(teacher, student.Trainable, text, options, resumed is null ? null : checkpoint, student.Recovery?.Constraints));

        Console.WriteLine($"teacher: {teacher.ModelType} ({teacher.Kind}), {teacher.LayerCount} layers, {teacher.ParameterCount():N0} parameters");
        Console.WriteLine($"student: {student.Description}");
        Console.WriteLine($"text: {text.Rows.Count:N0} {(text.Rows.Count == 1 ? "row" : "rows")}, {text.Tokens:N0} tokens");
        int start = distiller.Trainer.StepCount;
        if (resumed is not null) Console.WriteLine($"resumed at step {start} of {s.Steps} from {checkpoint}");

        var progress = resumed ?? new Progress(float.NaN, float.NaN, 0, 0);
        progress = Train(distiller, s, progress, checkpoint, statePath);
        int done = distiller.Trainer.StepCount;
        if (done < s.Steps)
        {
            SaveCheckpoint(distiller, s, progress, checkpoint, statePath);
            Console.WriteLine($"stopped at step {done} of {s.Steps} (--stop-at); checkpoint {checkpoint}; run the same command with --resume to continue.");
            return 0;
        }

        var record = Record(s, student, teacher, progress, done, resumed is null ? null : start);
        if (student.Recovery is null) SaveStudent(student, s, record);
        else SaveRecovered(student, s, record);
        RemoveCheckpoint(checkpoint, statePath);
        Summary(s, student, teacher, progress, done, record);
        return 0;
    }

    /// <summary>Refuses numbers training cannot use, naming the option.</summary>
    private static void CheckNumbers(Settings s)
    {
        static void Positive(string option, int value, string what)
        {
            if (value < 1) throw new UsageException($"{option}: {value} (expected a positive {what}).");
        }
        Positive("--steps", s.Steps, "number of optimizer steps");
        Positive("--batch-size", s.BatchSize, "number of rows per step");
        Positive("--seq-len", s.SequenceLength, "number of tokens per row");
        if (!(s.LearningRate > 0) || double.IsInfinity(s.LearningRate))
            throw new UsageException($"--lr: {Number(s.LearningRate)} (expected a positive number such as 5e-4).");
        if (s.Seed < 0) throw new UsageException($"--seed: {s.Seed} (expected a non-negative integer).");
        if (s.CheckpointEvery < 0) throw new UsageException($"--checkpoint-every: {s.CheckpointEvery} (expected a number of steps, or 0 for no checkpoints).");
        if (s.StopAt is int stop && (stop < 1 || stop > s.Steps))
            throw new UsageException($"--stop-at: {stop} (expected a step from 1 to --steps {s.Steps}).");
        UserInput.Check(s.Loss.Validate);
    }

    /// <summary>
    /// Refuses an output folder that is a model folder of the run or neither empty nor an earlier output of this command:
    /// a student folder holds distill.json, a recovered one manifest.json (as every compressed output).
    /// </summary>
    private static void CheckOutputFolder(Settings s)
    {
        if (SamePath(s.Output, s.Teacher)) throw new UsageException($"{s.Output}: the output folder is the teacher's own folder; write the student to a new folder.");
        if (s.Recover is not null) UserInput.Check(() => CompressedModel.CheckOutput(s.Recover, s.Output));
        else OutputFile.ReportWriteErrors(() => AtomicFolder.CheckWritable(s.Output, RecordFile));
    }

    private static void CheckSequenceLength(int length, LanguageModel model, string which)
    {
        if (model.MaxPositions is int max && length > max)
            throw new UsageException($"--seq-len: {length} is longer than {which}'s {max} positions (expected at most {max}).");
    }

    /// <summary>The student --student-layers, --student-config or --recover asks for, or the default one.</summary>
    private static Student BuildStudent(Settings s, LanguageModel teacher)
    {
        int depth = StudentBuilder.LayerCountOf(teacher);
        if (s.Recover is not null)
        {
            var compressed = CompressedModel.Load(s.Recover);
            if (compressed.VocabSize != teacher.VocabSize)
                throw new UsageException($"--recover: the model's vocabulary has {compressed.VocabSize} tokens but the teacher's has {teacher.VocabSize}; recover a model against the teacher it was compressed from.");
            if (compressed.Kind != teacher.Kind)
                throw new UsageException($"--recover: the model is a {compressed.Kind} model but the teacher a {teacher.Kind} one; recover a model against the teacher it was compressed from.");
            CompressedModelRecovery recovery;
            try { recovery = CompressedModelRecovery.Prepare(compressed); }
            catch (NotSupportedException e) { throw new UsageException($"--recover: {e.Message}", e); }
            return new Student(recovery.Trainable, $"recovering {s.Recover}: {recovery.CompressedLayers} compressed layers keep their forms", null, recovery, compressed);
        }
        if (s.StudentConfig is not null)
        {
            string path = ConfigPath(s.StudentConfig);
            var config = ConfigJson.Load(path);
            var trainable = UserInput.Check(() => TrainableModel.Create(config, s.Seed));
            UserInput.Check(() => StudentBuilder.CheckSameVocabulary(teacher, trainable.Model));
            return new Student(trainable, $"a new {trainable.ModelType} model of {path}, {trainable.Model.LayerCount} layers, initialised with seed {s.Seed}", null, null, null);
        }
        StudentModel built;
        string how;
        if (s.StudentLayers is not null)
        {
            built = UserInput.Check(() => StudentBuilder.FromTeacher(teacher, StudentLayers.Parse(s.StudentLayers)));
            how = "--student-layers";
        }
        else
        {
            built = StudentBuilder.FromTeacher(teacher);
            how = "the default student: half the layers, spread as DistilBERT's; choose others with --student-layers, --student-config or --recover";
        }
        var student = TrainableModel.FromSource(built.Config, built.Weights);
        return new Student(student, $"teacher layers {string.Join(",", built.TeacherLayers)} of {depth} ({how})", built.TeacherLayers, null, null);
    }

    /// <summary>--student-config names a config.json, or a folder holding one.</summary>
    private static string ConfigPath(string path) => Directory.Exists(path) ? Path.Combine(path, "config.json") : path;

    /// <summary>
    /// Runs the steps left, to --stop-at or --steps, showing the step and the smoothed loss (the moving average
    /// <see cref="Distiller.Run"/> reports), and saves a checkpoint every --checkpoint-every steps.
    /// </summary>
    private static Progress Train(Distiller distiller, Settings s, Progress progress, string checkpoint, string statePath)
    {
        string label = s.Recover is null ? "distilling" : "recovering";
        Progress Of(Distiller.Result r) => new(r.FirstLoss, r.FinalLoss, r.Tokens, r.Seconds);
        Distiller.Result done = null!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var task = ctx.AddTask(label, maxValue: s.Steps);
            task.Value = distiller.Trainer.StepCount;
            done = distiller.Run(
                (step, total, loss) =>
                {
                    task.Value = step;
                    task.Description = Markup.Escape($"{label} step {step}/{total} loss {loss:F3}");
                },
                s.StopAt,
                new Distiller.Result(distiller.Trainer.StepCount, progress.FirstLoss, progress.Loss, progress.Seconds, progress.Tokens),
                r => SaveCheckpoint(distiller, s, Of(r), checkpoint, statePath));
        });
        return Of(done);
    }

    /// <summary>The checkpoint and state file beside the output folder: OUT.distill-checkpoint.safetensors and .json.</summary>
    private static (string Checkpoint, string State) CheckpointPaths(string output)
    {
        string full = Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return (full + CheckpointSuffix, full + StateSuffix);
    }

    /// <summary>Refuses to replace files at the checkpoint paths that an earlier distill run did not write.</summary>
    private static void CheckCheckpointReplaceable(string checkpoint, string statePath)
    {
        OutputFile.CheckReplaceable(checkpoint, "distill checkpoint", IsTrainingCheckpoint);
        OutputFile.CheckReplaceable(statePath, "distill checkpoint state", p => EarlierOutput.IsJsonObject(p, IsState));
    }

    private static bool IsState(JsonElement root)
        => root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String && k.GetString() == StateKind;

    private static bool IsTrainingCheckpoint(string path)
    {
        try
        {
            using var file = SafeTensorsFile.Open(path);
            return file.Metadata.TryGetValue("format", out var f) && f == TrainingCheckpointFormat;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException) { return false; }
    }

    /// <summary>Writes the checkpoint, then the state file that describes it.</summary>
    private static void SaveCheckpoint(Distiller distiller, Settings s, Progress progress, string checkpoint, string statePath)
    {
        var options = new JsonObject();
        foreach (var (k, v) in s.RunDefining()) options[k] = v;
        var state = new JsonObject
        {
            ["kind"] = StateKind, ["checkpoint"] = Path.GetFileName(checkpoint), ["options"] = options,
            ["step"] = distiller.Trainer.StepCount, ["first_loss"] = Loss(progress.FirstLoss), ["loss"] = Loss(progress.Loss),
            ["tokens"] = progress.Tokens, ["seconds"] = progress.Seconds,
        };
        OutputFile.ReportWriteErrors(() =>
        {
            distiller.Trainer.SaveCheckpoint(checkpoint);
            AtomicFile.WriteAllText(statePath, state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        });
    }

    /// <summary>
    /// The counts of the run --resume continues, after checking that its checkpoint belongs to this run's options; the
    /// step itself is read from the checkpoint.
    /// </summary>
    private static Progress? ReadState(Settings s, string checkpoint, string statePath)
    {
        if (!File.Exists(checkpoint) || !File.Exists(statePath))
            throw new UsageException($"--resume: no checkpoint at {checkpoint} (a run writes one with --checkpoint-every or --stop-at, and removes it when it completes).");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(statePath)); }
        catch (JsonException e) { throw new UsageException($"--resume: {statePath}: not valid JSON ({e.Message}).", e); }
        if (root is not JsonObject o || o["kind"]?.GetValueKind() != JsonValueKind.String || (string?)o["kind"] != StateKind || o["options"] is not JsonObject saved)
            throw new UsageException($"--resume: {statePath} is not a distill checkpoint state file.");
        foreach (var (option, value) in s.RunDefining())
        {
            string? was = saved[option]?.GetValueKind() == JsonValueKind.String ? (string?)saved[option] : null;
            if (was == value) continue;
            throw new UsageException($"--resume: the checkpoint at {checkpoint} was written with {Describe(option, was)}, this run has {Describe(option, value)}; " +
                "give the same options to continue it, or leave out --resume to start over.");
        }
        T Field<T>(string name)
            => o[name] is JsonValue v && v.TryGetValue(out T? value) ? value
                : throw new UsageException($"--resume: {statePath}: \"{name}\" is missing or not a number; leave out --resume to start over.");
        var first = o["first_loss"] is null ? float.NaN : Field<float>("first_loss");
        var loss = o["loss"] is null ? float.NaN : Field<float>("loss");
        return new Progress(first, loss, Field<long>("tokens"), Field<double>("seconds"));
    }

    /// <summary>A loss for JSON: null when no step has given one yet.</summary>
    private static JsonNode? Loss(float v) => float.IsNaN(v) ? null : JsonValue.Create(v);

    private static string Describe(string option, string? value) => string.IsNullOrEmpty(value) ? $"no {option}" : $"{option} {value}";

    /// <summary>Removes a finished run's checkpoint and state file, when this command wrote them.</summary>
    private static void RemoveCheckpoint(string checkpoint, string statePath)
    {
        try
        {
            if (File.Exists(statePath) && EarlierOutput.IsJsonObject(statePath, IsState)) File.Delete(statePath);
            if (File.Exists(checkpoint) && IsTrainingCheckpoint(checkpoint)) File.Delete(checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not remove the finished run's checkpoint {checkpoint}: {e.Message}");
        }
    }

    /// <summary>distill.json: the options, the student, and how the run went.</summary>
    private static JsonObject Record(Settings s, Student student, LanguageModel teacher, Progress progress, int steps, int? resumedAt)
    {
        var options = new JsonObject
        {
            ["teacher"] = Path.GetFullPath(s.Teacher),
            ["student_layers"] = s.StudentLayers,
            ["student_config"] = s.StudentConfig is null ? null : Path.GetFullPath(ConfigPath(s.StudentConfig)),
            ["recover"] = s.Recover is null ? null : Path.GetFullPath(s.Recover),
            ["text"] = Path.GetFullPath(s.Text),
            ["steps"] = s.Steps, ["batch_size"] = s.BatchSize, ["seq_len"] = s.SequenceLength, ["lr"] = s.LearningRate,
            ["temperature"] = s.Loss.Temperature, ["alpha"] = s.Loss.Alpha, ["beta"] = s.Loss.Beta, ["gamma"] = s.Loss.Gamma,
            ["seed"] = s.Seed, ["checkpoint_every"] = s.CheckpointEvery,
        };
        var record = new JsonObject
        {
            ["command"] = "distill",
            ["options"] = options,
            ["student"] = student.Recovery is not null ? "recover" : s.StudentConfig is not null ? "config" : s.StudentLayers is not null ? "layers" : "default",
            ["student_layers"] = student.TeacherLayers is null ? null : new JsonArray(student.TeacherLayers.Select(l => (JsonNode)l).ToArray()),
            ["teacher_type"] = teacher.ModelType,
            ["steps"] = steps,
            ["first_loss"] = Loss(progress.FirstLoss),
            ["final_loss"] = Loss(progress.Loss),
            ["seconds"] = Math.Round(progress.Seconds, 3),
            ["tokens"] = progress.Tokens,
            ["tokens_per_second"] = progress.Seconds > 0 ? Math.Round(progress.Tokens / progress.Seconds, 1) : 0,
            ["resumed_from_step"] = resumedAt,
            ["teacher_parameters"] = teacher.ParameterCount(),
            ["student_parameters"] = student.Trainable.Model.ParameterCount(),
        };
        return record;
    }

    private static string RecordText(JsonObject record) => record.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>A Hugging Face folder: config.json, float32 model.safetensors, the teacher's tokenizer files, distill.json.</summary>
    private static void SaveStudent(Student student, Settings s, JsonObject record)
    {
        OutputFile.ReportWriteErrors(() => AtomicFolder.Write(s.Output, RecordFile, tmp =>
        {
            HuggingFaceExporter.Save(student.Trainable.Model, tmp, s.Teacher);
            string generation = Path.Combine(s.Teacher, "generation_config.json");
            if (File.Exists(generation)) File.Copy(generation, Path.Combine(tmp, "generation_config.json"));
            AtomicFile.WriteAllText(Path.Combine(tmp, RecordFile), RecordText(record));
        }));
    }

    /// <summary>
    /// The recovered model in its compressed forms, written as the compress command writes (manifest.json keeps every
    /// layer's earlier stages and gains a distill stage), with distill.json beside it, all in one atomic folder write.
    /// </summary>
    private static void SaveRecovered(Student student, Settings s, JsonObject record)
    {
        var recovered = student.Recovery!.Finish();
        var changes = recovered.Linears.Select(l => new LayerChange(l.Name, "distill", "recover")
        {
            Details = new Dictionary<string, string> { ["steps"] = Number(s.Steps), ["teacher"] = Path.GetFileName(Path.GetFullPath(s.Teacher).TrimEnd(Path.DirectorySeparatorChar)) },
        }).DistinctBy(c => c.Layer).ToList();
        record["bytes_before"] = student.Compressed!.StorageBytes();
        record["bytes_after"] = recovered.StorageBytes();
        OutputFile.ReportWriteErrors(() => AtomicFolder.Write(s.Output, CompressedModelManifest.FileName, tmp =>
        {
            CompressedModel.Save(recovered, changes, tmp, new CompressedModel.SaveOptions { Source = s.Recover });
            AtomicFile.WriteAllText(Path.Combine(tmp, RecordFile), RecordText(record));
        }));
    }

    private static void Summary(Settings s, Student student, LanguageModel teacher, Progress progress, int steps, JsonObject record)
    {
        double perSecond = progress.Seconds > 0 ? progress.Tokens / progress.Seconds : 0;
        string verb = student.Recovery is null ? "distilled" : "recovered";
        Console.WriteLine($"{verb}: {steps} steps in {progress.Seconds:F1} s ({perSecond:N0} tokens/s), loss {progress.FirstLoss:F3} → {progress.Loss:F3}");
        if (student.Recovery is null)
        {
            long t = teacher.ParameterCount(), p = student.Trainable.Model.ParameterCount();
            Console.WriteLine($"parameters: {p:N0} (teacher {t:N0}, {(double)p / t:P1})");
        }
        else
        {
            long before = (long)record["bytes_before"]!, after = (long)record["bytes_after"]!;
            string same = before == after ? "the same stored forms and size" : "a weight became exactly zero or lost one, so a sparse layer's size changed";
            Console.WriteLine($"stored size: {ByteSize.Format(before)} → {ByteSize.Format(after)} ({before:N0} → {after:N0} bytes, {same})");
        }
        Console.WriteLine($"saved {Path.GetFullPath(s.Output)}");
    }

    private static bool SamePath(string a, string b)
        => string.Equals(Path.GetFullPath(a).TrimEnd('/', '\\'), Path.GetFullPath(b).TrimEnd('/', '\\'),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Number(int v) => v.ToString(CultureInfo.InvariantCulture);
}
