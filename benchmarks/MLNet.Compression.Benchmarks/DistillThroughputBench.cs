using System.Diagnostics;
using System.Globalization;
using MLNet.Compression.Distillation;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tokenization;
using MLNet.Compression.Training;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Distillation at BERT-base shape: `-- distill --bert-base [--steps 5] [--warmups 2]`. The teacher is BertForwardBench's
/// BERT-base shape with random weights (12 layers, hidden 768, 12 heads, FFN 3072, vocabulary 30522), the student its
/// 6-layer DistilBERT-style copy (StudentBuilder's default layers 0, 2, 4, 7, 9, 11), the text CrowS-Pairs' sentences
/// in the bert-base-uncased vocabulary packed into full rows, batch 8 × 128. Prints the teacher's plain inference
/// forward on a batch (encoder only as in `-- bert`, and with the logits at every position, which distillation needs),
/// then distillation steps (teacher forward, student forward and backward, clipping, AdamW): student tokens per second,
/// seconds per step, the step's cost in teacher inference forwards, and peak memory of each phase.
/// </summary>
internal static class DistillThroughputBench
{
    private const int Batch = 8, Length = 128;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Run(string[] args)
    {
        int steps = int.Parse(DistillBench.Value(args, "--steps") ?? "5", Inv);
        int warmups = int.Parse(DistillBench.Value(args, "--warmups") ?? "2", Inv);
        string shared = Environment.GetEnvironmentVariable("MLNET_SHARED") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared"));
        Console.WriteLine($"threads: {Environment.ProcessorCount}, backend: {ComputeBackend.Current.Name}, batch {Batch} × {Length}, {warmups} warm-ups then {steps} timed steps");

        var teacher = ModelLoader.CreateRandom(ConfigJson.Parse(BertForwardBench.BertBaseConfig, "bert-base (benchmark)"), seed: 0);
        var tokenizer = AutoTokenizer.FromFolder(Path.Combine(shared, "data", "tokenizers", "bert-base-uncased"));
        var rows = PackedRows(tokenizer, Path.Combine(shared, "data", "crows_pairs", "crows_pairs_anonymized.csv"));
        var student = StudentBuilder.FromTeacher(teacher);
        var trainable = TrainableModel.FromSource(student.Config, student.Weights);
        Console.WriteLine($"teacher {teacher.ParameterCount():N0} parameters ({teacher.StorageBytes() / 1048576.0:F0} MiB), student layers {string.Join(",", student.TeacherLayers)}: {trainable.ParameterCount:N0} parameters; {rows.Count} rows of {Length} tokens from CrowS-Pairs");

        var distiller = new Distiller(teacher, trainable, rows, new Distiller.Options { Steps = warmups + steps, BatchSize = Batch, SequenceLength = Length, Seed = 1 },
            tokenizer.MaskTokenId, tokenizer.AllSpecialIds);
        var (input, _) = trainable.LabelledInput(distiller.NextBatch());
        long liveAtStart = PeakMemory.LiveManagedBytes();

        // Plain inference of the teacher on the same batch shape, before any training state exists.
        PeakMemory.Reset();
        double encoderOnly = Median(warmups, steps, () => teacher.Forward(input, new ForwardOptions { LogitPositions = [0] }));
        double fullLogits = Median(warmups, steps, () => teacher.Forward(input, new ForwardOptions { OutputHiddenStates = false }));
        long? inferencePeak = PeakMemory.PeakResidentBytes();

        PeakMemory.Reset();
        var times = new List<double>();
        long tokens = 0, allocated = 0, largestHeap = 0;
        for (int i = 0; i < warmups + steps; i++)
        {
            var batch = distiller.NextBatch();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
            var sw = Stopwatch.StartNew();
            float loss = distiller.Step(batch);
            double seconds = sw.Elapsed.TotalSeconds;
            largestHeap = Math.Max(largestHeap, PeakMemory.HeapSizeAtLastGc());
            Console.WriteLine($"  step {i + 1}{(i < warmups ? " (warm-up)" : "")}: {seconds:F2} s, loss {loss:F3}");
            if (i < warmups) continue;
            times.Add(seconds);
            tokens += batch.AttentionMask.Count(m => m != 0);
            allocated += GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        }
        long? trainingPeak = PeakMemory.PeakResidentBytes();
        double step = MedianOf(times);
        long live = PeakMemory.LiveManagedBytes();

        Console.WriteLine();
        Console.WriteLine("| BERT-base teacher → 6-layer student, batch 8 × 128, 2 threads | median | runs |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| teacher inference forward, encoder only (`-- bert`'s protocol) | {encoderOnly:F2} s | {steps} |");
        Console.WriteLine($"| teacher inference forward, logits at every position (what distillation runs) | {fullLogits:F2} s | {steps} |");
        Console.WriteLine($"| distillation step (teacher forward + student forward/backward + AdamW) | {step:F2} s (runs {string.Join(", ", times.Select(t => t.ToString("F2", Inv)))}) | {steps} |");
        Console.WriteLine($"| student tokens per second | {tokens / times.Sum():F0} ({Batch * Length / step:F0} at the median step) | |");
        Console.WriteLine($"| step ÷ teacher inference forward | {step / encoderOnly:F1}× encoder only, {step / fullLogits:F1}× with every logit | |");
        Console.WriteLine($"| peak RSS, inference phase (teacher, student, tokenizer, text loaded) | {PeakMemory.MiB(inferencePeak)} MiB | |");
        Console.WriteLine($"| peak RSS while distilling | {PeakMemory.MiB(trainingPeak)} MiB | |");
        Console.WriteLine($"| managed heap: live before the steps / largest size at a GC during them / live after them (full collections) | {PeakMemory.MiB(liveAtStart)} / {PeakMemory.MiB(largestHeap)} / {PeakMemory.MiB(live)} MiB | |");
        Console.WriteLine($"| managed allocation per timed step | {allocated / (double)steps / 1048576.0:F0} MiB | |");
    }

    /// <summary>
    /// CrowS-Pairs' sentences (both of each pair) tokenised without special tokens and packed end to end into rows of
    /// [CLS] + 126 tokens + [SEP], so every one of a batch's 8 × 128 positions is real text.
    /// </summary>
    private static List<int[]> PackedRows(Tokenizer tokenizer, string crowsFile)
    {
        int cls = tokenizer.ClsTokenId ?? throw new InvalidOperationException("The bert-base-uncased tokenizer has no [CLS] token.");
        int sep = tokenizer.SepTokenId ?? throw new InvalidOperationException("The bert-base-uncased tokenizer has no [SEP] token.");
        var stream = CrowsPairsData.Load(crowsFile).Pairs.SelectMany(p => new[] { p.SentMore, p.SentLess }).SelectMany(s => tokenizer.EncodeToIds(s, addSpecialTokens: false));
        return stream.Chunk(Length - 2).Where(c => c.Length == Length - 2).Select(c => c.Prepend(cls).Append(sep).ToArray()).ToList();
    }

    private static double Median(int warmups, int runs, Action run)
    {
        var times = new List<double>();
        for (int i = 0; i < warmups + runs; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            if (i >= warmups) times.Add(sw.Elapsed.TotalSeconds);
        }
        return MedianOf(times);
    }

    private static double MedianOf(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
