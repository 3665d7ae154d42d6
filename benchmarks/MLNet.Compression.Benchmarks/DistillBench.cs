using System.Diagnostics;
using System.Globalization;
using MLNet.Compression.Distillation;
using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Study;
using MLNet.Compression.Synthetic;
using MLNet.Compression.Tokenization;
using MLNet.Compression.Training;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Distillation on the demo's worlds: a student with half the teacher's layers distilled from the teacher (DistilBERT's
/// loss) against a student of the same shape trained from scratch on the same rows for the same steps, for the masked LM and
/// the causal LM; and recovery of magnitude-pruned (0.7, every linear layer) and k-bit RTN models against their dense teacher.
/// Knowledge (LAMA P@1 over frequent facts), bias (CrowS-Pairs, StereoSet SS) with 95% bootstrap intervals, perplexity
/// (causal) or pseudo-perplexity (masked, Salazar et al. 2020) on the world's held-out text, distillation throughput and
/// peak resident memory while each student trains.
/// <code>dotnet run -c Release --project benchmarks/MLNet.Compression.Benchmarks -- distill [--seeds 1,2] [--steps 1500] [--quick]
///     [--dir DIR] [--recovery-only] [--recover-arch bert,gpt2] [--recover-steps 400] [--recover-lr-factor 0.25]
///     [--recover-methods magnitude,rtn] [--rtn-bits 3] [--rtn-group 0] [--rtn-symmetric]
///     [--people N] [--zipf s] [--mlm-steps N]</code>
/// `-- distill --bert-base` measures throughput and memory at BERT-base shape instead (<see cref="DistillThroughputBench"/>).
/// </summary>
internal static class DistillBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Run(string[] args)
    {
        if (args.Contains("--bert-base"))
        {
            DistillThroughputBench.Run(args);
            return;
        }
        bool quick = args.Contains("--quick");
        var seeds = (Value(args, "--seeds") ?? "1").Split(',').Select(s => int.Parse(s, Inv)).ToArray();
        int steps = int.Parse(Value(args, "--steps") ?? (quick ? "200" : "1500"), Inv);
        var recovery = RecoverySettings.Parse(args, quick);
        bool recoveryOnly = args.Contains("--recovery-only");
        string root = Value(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "mlnet-distill-bench");
        var rows = new List<string>();
        var recoveryRows = new List<string>();
        foreach (int seed in seeds)
        {
            var settings = WorldSettings(args, quick);
            string dir = Path.Combine(root, $"seed-{seed}"), world = Path.Combine(dir, "world");
            Directory.CreateDirectory(dir);
            WorldWriter.Write(KnowledgeWorld.Generate(settings.World with { Seed = seed }), world);
            var study = new StudyRunner(new StudyRunner.Options
            {
                LamaDir = Path.Combine(world, "lama"), CrowsFile = Path.Combine(world, "crows_pairs.csv"),
                StereoSetFiles = [Path.Combine(world, "stereoset", "intrasentence.csv")],
                PerplexityText = Path.Combine(world, HeldOutText.FileName), Seed = seed,
            });
            var heldOut = File.ReadLines(Path.Combine(world, HeldOutText.FileName)).Where(l => l.Length > 0).Take(300).ToList();
            var archs = recoveryOnly ? recovery.Architectures : new[] { ModelArchitecture.Bert, ModelArchitecture.Gpt2 }.Union(recovery.Architectures).ToArray();
            foreach (var arch in archs)
            {
                var options = arch == ModelArchitecture.Bert ? settings.MaskedLm : settings.CausalLm;
                string teacherDir = WorldModelTrainer.Train(world, Path.Combine(dir, arch.ToString().ToLowerInvariant()), arch, options with { Seed = seed }).Folder;
                var teacher = ModelLoader.Load(teacherDir);
                var tokenizer = AutoTokenizer.FromFolder(teacherDir);
                var text = File.ReadLines(Path.Combine(world, "corpus.txt")).Where(l => l.Length > 0).Select(l => tokenizer.EncodeToIds(l).ToArray()).ToList();
                if (!recoveryOnly)
                    rows.AddRange(Students(seed, arch, dir, teacherDir, teacher, tokenizer, text, options, steps, study, heldOut));
                if (recovery.Architectures.Contains(arch))
                    recoveryRows.AddRange(Recover(seed, arch, dir, world, teacherDir, teacher, tokenizer, text, options, recovery, study));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"Students: half the teacher's layers, {steps} steps; distilled = DistilBERT's loss (T 2, α 5, β 2, γ 1) from the teacher's every-other layers, scratch = LM loss only from random init.");
        Console.WriteLine("| seed | model | student | layers | P@1 frequent [95% CI] | perplexity (pseudo for masked) | CrowS [95% CI] | SS [95% CI] | tokens/s | peak RSS while training, MiB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine($"Recovery, {recovery.Steps} steps against the dense teacher at {recovery.LearningRateFactor.ToString(Inv)} × the teacher's learning rate:");
        Console.WriteLine("| seed | model | compression | dense P@1 | compressed P@1 | recovered P@1 | share of the P@1 loss regained | facts dense knows | kept compressed | kept recovered | share of the known facts' loss regained | P@1 frequent: dense / compressed / recovered | stored bytes | form kept | time |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        recoveryRows.ForEach(Console.WriteLine);
    }

    /// <summary>
    /// The demo's world and training settings; --people, --zipf and --mlm-steps (the masked LM's steps) change them as
    /// `-- search` does with --people, --zipf and --steps, for a world whose models know more facts.
    /// </summary>
    private static DemoSettings WorldSettings(string[] args, bool quick)
    {
        var settings = quick ? DemoSettings.Quick(new WorldOptions().BiasSkew, []) : DemoSettings.Full(new WorldOptions().BiasSkew, []);
        if (Value(args, "--people") is { } people) settings = settings with { World = settings.World with { People = int.Parse(people, Inv) } };
        if (Value(args, "--zipf") is { } zipf) settings = settings with { World = settings.World with { ZipfExponent = double.Parse(zipf, Inv) } };
        if (Value(args, "--mlm-steps") is { } mlm) settings = settings with { MaskedLm = settings.MaskedLm with { Steps = int.Parse(mlm, Inv) } };
        return settings;
    }

    /// <summary>A distilled and a scratch student of half the teacher's layers, trained and scored beside the teacher: one table row each.</summary>
    private static IEnumerable<string> Students(int seed, ModelArchitecture arch, string dir, string teacherDir, LanguageModel teacher, Tokenizer tokenizer,
        List<int[]> text, WorldModelTrainer.Options options, int steps, StudyRunner study, List<string> heldOut)
    {
        var student = StudentBuilder.FromTeacher(teacher);
        var distillOptions = new Distiller.Options
        {
            Steps = steps, BatchSize = options.BatchSize, SequenceLength = 32, LearningRate = options.LearningRate,
            MaskProbability = options.MaskProbability, Seed = (ulong)seed,
        };
        var distilled = TrainableModel.FromSource(student.Config, student.Weights);
        var d = Train(teacher, distilled, text, tokenizer, distillOptions);
        var scratch = TrainableModel.Create(student.Config, seed);
        var s = Train(teacher, scratch, text, tokenizer, new Distiller.Options
        {
            Steps = steps, BatchSize = options.BatchSize, SequenceLength = 32, LearningRate = options.LearningRate,
            MaskProbability = options.MaskProbability, Seed = (ulong)seed, Loss = new DistillationLoss(Alpha: 0, Beta: 1, Gamma: 0),
        });
        string dDir = Save(distilled, Path.Combine(dir, $"{arch}-distilled"), teacherDir);
        string sDir = Save(scratch, Path.Combine(dir, $"{arch}-scratch"), teacherDir);
        foreach (var (name, folder, run) in new[] { ("teacher", teacherDir, (Trained?)null), ("distilled", dDir, d), ("scratch", sDir, s) })
        {
            var p = study.Run(folder, Dense()).Points[0];
            double ppl = p.Perplexity ?? PseudoPerplexity(ModelLoader.Load(folder), tokenizer, heldOut);
            string row = $"| {seed} | {arch} | {name} | {ModelLoader.Load(folder).LayerCount} | {Est(p, "p_at_1_frequent")} | {ppl:0.00} | {Est(p, "crows", "0.0")} | {Est(p, "ss", "0.0")} | {(run is null ? " | " : $"{run.Run.TokensPerSecond:0} | {PeakMemory.MiB(run.PeakBytes)}")} |";
            Console.WriteLine(row);
            yield return row;
        }
    }

    /// <summary>
    /// Magnitude 0.7 and k-bit RTN of every linear layer but the head, each recovered against the dense teacher with the
    /// compressed forms kept; P@1 of dense, compressed and recovered, the stored bytes and whether the forms were kept.
    /// </summary>
    private static IEnumerable<string> Recover(int seed, ModelArchitecture arch, string dir, string world, string teacherDir, LanguageModel teacher, Tokenizer tokenizer,
        List<int[]> text, WorldModelTrainer.Options options, RecoverySettings recovery, StudyRunner study)
    {
        var ctx = new CompressionContext(seed);
        var dense = study.Run(teacherDir, Dense()).Points[0];
        var known = KnownFacts.Of(teacher, tokenizer, Path.Combine(world, "lama"));
        var stages = new List<(string, IModelEstimator<ModelTransformer>)>();
        if (recovery.Methods.Contains("magnitude")) stages.Add(("magnitude 0.7", ctx.Pruning.Magnitude(0.7, ModuleGroup.All)));
        if (recovery.Methods.Contains("rtn"))
            stages.Add((recovery.RtnLabel, ctx.Quantization.WeightOnly(bits: recovery.RtnBits, groupSize: recovery.RtnGroup, symmetric: recovery.RtnSymmetric, groups: ModuleGroup.All)));
        foreach (var (label, estimator) in stages)
        {
            var compressed = estimator.Fit(teacher);
            string cDir = Path.Combine(dir, $"{arch}-compressed-{label.Replace(' ', '-')}");
            SaveCompressed(compressed.Model, compressed.Changes, cDir, teacherDir);
            var prepared = CompressedModelRecovery.Prepare(compressed.Model, recovery.Grid);
            var distiller = new Distiller(teacher, prepared.Trainable, text, new Distiller.Options
            {
                Steps = recovery.Steps, BatchSize = options.BatchSize, SequenceLength = 32, LearningRate = options.LearningRate * recovery.LearningRateFactor,
                MaskProbability = options.MaskProbability, Seed = (ulong)seed,
            }, tokenizer.MaskTokenId, tokenizer.AllSpecialIds);
            distiller.Trainer.Constraints.AddRange(prepared.Constraints);
            var r = distiller.Run();
            var recovered = prepared.Finish();
            string rDir = Path.Combine(dir, $"{arch}-recovered-{label.Replace(' ', '-')}");
            SaveCompressed(recovered, compressed.Changes, rDir, teacherDir);
            var before = study.Run(cDir, Dense()).Points[0];
            var after = study.Run(rDir, Dense()).Points[0];
            double lost = (dense.PAt1 ?? 0) - (before.PAt1 ?? 0), regained = (after.PAt1 ?? 0) - (before.PAt1 ?? 0);
            var keptBefore = known.Kept(ModelLoader.Load(cDir), tokenizer);
            var keptAfter = known.Kept(ModelLoader.Load(rDir), tokenizer);
            string frequent = $"{Est(dense, "p_at_1_frequent", "0.000", withInterval: false)} / {Est(before, "p_at_1_frequent", "0.000", withInterval: false)} / {Est(after, "p_at_1_frequent", "0.000", withInterval: false)}";
            string row = $"| {seed} | {arch} | {label} | {Est(dense, "p_at_1")} | {Est(before, "p_at_1")} | {Est(after, "p_at_1")} | {Share(regained, lost)} | {known.Count} | {Est(keptBefore)} | {Est(keptAfter)} | {Share(keptAfter.Estimate - keptBefore.Estimate, 1 - keptBefore.Estimate)} | {frequent} | {compressed.Model.StorageBytes()} → {recovered.StorageBytes()} | {FormCheck.Kept(compressed.Model, recovered)} | {r.Seconds:0} s |";
            Console.WriteLine(row);
            yield return row;
        }
    }

    /// <summary>One training run and the peak resident memory while it ran (the whole process's where the peak cannot be reset).</summary>
    private static Trained Train(LanguageModel teacher, TrainableModel student, List<int[]> text, Tokenizer tokenizer, Distiller.Options options)
    {
        PeakMemory.Reset();
        var distiller = new Distiller(teacher, student, text, options, tokenizer.MaskTokenId, tokenizer.AllSpecialIds);
        var sw = Stopwatch.StartNew();
        var result = distiller.Run((step, total, loss) => { if (step % 250 == 0) Console.Error.WriteLine($"  step {step}/{total} loss {loss:0.000} ({sw.Elapsed.TotalSeconds:0} s)"); });
        return new Trained(result, PeakMemory.PeakResidentBytes());
    }

    private sealed record Trained(Distiller.Result Run, long? PeakBytes);

    private static StudyGrid Dense() => new("dense", [new StudyGridPoint("dense", "dense", "none", 0, 32, [])]);

    private static string Save(TrainableModel model, string dir, string tokenizerSource)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        model.Save(dir);
        foreach (var n in HuggingFaceExporter.TokenizerFileNames)
            if (File.Exists(Path.Combine(tokenizerSource, n))) File.Copy(Path.Combine(tokenizerSource, n), Path.Combine(dir, n));
        return dir;
    }

    private static void SaveCompressed(LanguageModel model, IReadOnlyList<LayerChange> changes, string dir, string tokenizerSource)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        CompressedModel.Save(model, changes, dir, new CompressedModel.SaveOptions { TokenizerFolder = tokenizerSource, HashSource = false });
    }

    /// <summary>exp(−Σ PLL / tokens) over held-out sentences, each token masked in turn (Salazar et al. 2020).</summary>
    private static double PseudoPerplexity(LanguageModel model, Tokenizer tokenizer, IReadOnlyList<string> sentences)
    {
        var special = tokenizer.AllSpecialIds;
        var seqs = sentences.Select(s => tokenizer.EncodeToIds(s).ToArray()).Select(ids => (ids, Enumerable.Range(0, ids.Length).Where(i => !special.Contains(ids[i])).ToArray())).ToList();
        var pll = new MaskedLmScorer(model).PseudoLogLikelihoods(seqs, tokenizer.MaskTokenId!.Value);
        return Math.Exp(-pll.Sum() / seqs.Sum(s => s.Item2.Length));
    }

    private static string Est(StudyPoint p, string key, string format = "0.000", bool withInterval = true)
        => !p.Intervals.TryGetValue(key, out var e) ? "–"
            : withInterval ? $"{e.Value.ToString(format, Inv)} [{e.CiLow.ToString(format, Inv)}, {e.CiHigh.ToString(format, Inv)}]" : e.Value.ToString(format, Inv);

    private static string Share(double regained, double lost) => lost > 0 ? (regained / lost).ToString("0.00", Inv) : "(nothing lost)";

    private static string Est(Interval e) => $"{e.Estimate.ToString("0.000", Inv)} [{e.Low.ToString("0.000", Inv)}, {e.High.ToString("0.000", Inv)}]";

    internal static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
