using MLNet.Compression.Study;

namespace MLNet.Compression.Tests.Reporting;

/// <summary>Hand-made study results shaped like the two seed studies' output, with intervals on every score.</summary>
public static class ReportSamples
{
    /// <summary>A namburi2023-like study: magnitude pruning of three groups, int8 per group, magnitude+int8 and ln-structured.</summary>
    public static StudyResult Namburi(string model = "toy-bert")
    {
        var points = new List<StudyPoint> { Point("dense", "dense", "none", 0, 32, knowledge: 0.62, bias: 61, size: 8 << 20) };
        foreach (var (group, slope, biasSlope) in new[] { ("attention-qkv", 0.15, -4.0), ("ffn", 0.45, -9.0), ("all", 0.6, -12.0) })
            foreach (double s in new[] { 0.1, 0.3, 0.5, 0.7, 0.9 })
                points.Add(Point($"magnitude {group} {s}", "magnitude", group, s, 32, 0.62 - slope * s * s, 61 + biasSlope * s, (8 << 20) - (long)(s * (group == "all" ? 5 : 2) * (1 << 20))));
        foreach (var (group, shift) in new[] { ("attention-qkv", -0.01), ("ffn", -0.02), ("all", -0.04) })
            points.Add(Point($"int8 {group}", "dynamic-int8", group, 0, 8, 0.62 + shift, 61 + shift * 40, (8 << 20) - (group == "all" ? 4 : 2) * (1 << 20)));
        foreach (double s in new[] { 0.2, 0.4 })
            points.Add(Point($"magnitude+int8 all {s}", "magnitude+int8", "all", s, 8, 0.58 - 0.5 * s * s, 60 - 10 * s, 3 << 20));
        foreach (double s in new[] { 0.1, 0.3, 0.5 })
            points.Add(Point($"ln-structured attention-qkv {s}", "ln-structured", "attention-qkv", s, 32, 0.62 - 0.5 * s, 61 - 3 * s, 8 << 20));
        return new StudyResult { Model = model, ModelType = "bert", Grid = "namburi2023", Points = points, WallSeconds = 42, BootstrapResamples = 1000, BootstrapSeed = 7 };
    }

    /// <summary>A goncalves2023-like pretraining series: dense, int8 all and fp16 all at three checkpoints; int8's ICAT peaks at the middle one.</summary>
    public static IReadOnlyList<StudyResult> GoncalvesSeries() =>
    [
        Checkpoint("step-100", 100, 0.1, knowledge: 0.15, bias: 54, int8Icat: 60),
        Checkpoint("step-500", 500, 0.5, knowledge: 0.40, bias: 58, int8Icat: 74),
        Checkpoint("step-1000", 1000, 1.0, knowledge: 0.55, bias: 63, int8Icat: 66),
    ];

    private static StudyResult Checkpoint(string label, long step, double progress, double knowledge, double bias, double int8Icat) => new()
    {
        Model = $"/models/toy-gpt2/{label}", ModelType = "gpt2", Grid = "goncalves2023", Checkpoint = label, Step = step, Progress = progress,
        BootstrapResamples = 1000, BootstrapSeed = 7,
        Points =
        [
            Point("dense", "dense", "none", 0, 32, knowledge, bias, 8 << 20, icat: int8Icat - 2, perplexity: 40 / progress),
            Point("int8 all", "dynamic-int8", "all", 0, 8, knowledge - 0.03, bias - 1.5, 3 << 20, icat: int8Icat, perplexity: 42 / progress),
            Point("fp16 all", "fp16", "all", 0, 16, knowledge, bias + 0.2, 4 << 20, icat: int8Icat - 1.8, perplexity: 40.1 / progress),
        ],
    };

    private static StudyPoint Point(string name, string method, string group, double sparsity, int bits, double knowledge, double bias, long size,
        double? icat = null, double? perplexity = null)
    {
        knowledge = Math.Max(0.01, knowledge);
        double ss = 50 + (bias - 50) * 0.8, lms = 88 - (0.62 - knowledge) * 30, icatValue = icat ?? lms * Math.Min(ss, 100 - ss) / 50;
        bool dense = method == "dense";
        StudyEstimate E(double v, double half, double scale) => new()
        {
            Value = v, CiLow = v - half * scale, CiHigh = v + half * scale,
            PVsBase = dense ? null : Math.Clamp(Math.Abs(v - 0.5) * 0.01 + sparsity * 0.02, 0.0005, 1), Gained = dense ? null : 3, Lost = dense ? null : 9,
            Test = dense ? null : "sign test",
        };
        return new StudyPoint
        {
            Name = name, Method = method, Group = group, Sparsity = sparsity, Bits = bits,
            PAt1 = knowledge, PAt1Frequent = Math.Min(1, knowledge * 1.25), PAt1Rare = knowledge * 0.6, CrowsScore = bias,
            StereoSetSs = ss, StereoSetLms = lms, StereoSetIcat = icatValue,
            SizeBytes = size, LinearBytes = size - (2 << 20), OtherBytes = 2 << 20, LatencyMs = 3.2 * bits / 32 + 1,
            Perplexity = perplexity ?? 30 + (0.62 - knowledge) * 100, KlFromDense = dense ? 0 : (0.62 - knowledge) * 0.5 + 0.01,
            Intervals = new Dictionary<string, StudyEstimate>
            {
                ["p_at_1"] = E(knowledge, 0.04, 1), ["p_at_1_frequent"] = E(Math.Min(1, knowledge * 1.25), 0.05, 1), ["p_at_1_rare"] = E(knowledge * 0.6, 0.06, 1),
                ["crows"] = E(bias, 3.5, 1), ["ss"] = E(ss, 2.5, 1), ["lms"] = E(lms, 2, 1), ["icat"] = E(icatValue, 3, 1),
            },
        };
    }
}
