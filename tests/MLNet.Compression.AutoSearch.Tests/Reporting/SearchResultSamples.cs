using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Sensitivity;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using MLNet.Compression.Modeling;
using MLNet.Compression.Study;
using MLNet.Compression.Tests;

namespace MLNet.Compression.AutoSearch.Tests.Reporting;

/// <summary>
/// Search results built by hand, with numbers shaped like a real search's: a best plan on the tiny GPT-2 fixture, finished,
/// pruned, failed and out-of-bounds trials, a Pareto front, the report split with uniform plans, and a sensitivity table.
/// </summary>
internal static class SearchResultSamples
{
    private static readonly Lazy<CompressionSpace> Space = new(() =>
        CompressionSpace.Build(ModelLoader.Load(SharedData.Fixture("models", "gpt2_tiny")), new CompressionSpaceOptions { GroupSizes = [32] }));

    /// <summary>Settings the best plan cycles through, one per unit: 4-bit, pruned to half, fp16, 2-bit.</summary>
    private static readonly LayerSetting[] Cycle =
    [
        new(0, "magnitude", 4, "rtn", 32), new(0.5, "magnitude", null, "rtn", 32), new(0, "magnitude", 16, "rtn", 32), new(0, "magnitude", 2, "rtn", 32),
    ];

    public static ExperimentResult Full(string study = "search")
    {
        var space = Space.Value;
        var plan = space.Plan(space.Point(u => Cycle[space.Units.ToList().IndexOf(u) % Cycle.Length], Cycle[0]));
        long dense = 4 * space.SearchedParameters;
        var trials = new List<TrialRecord>
        {
            Trial(0, TrialStatus.Finished, Metrics(2, 1, bits: 4.1, drop: 0.010, shift: 1.5, loss: 0.0101)),
            Trial(1, TrialStatus.Pruned, Metrics(0, 0.111, bits: 3.0, drop: 0.08, shift: 6, loss: 0.0801)),
            Trial(2, TrialStatus.Finished, Metrics(2, 1, bits: 3.2, drop: 0.020, shift: 0.5, loss: 0.0201)),
            Trial(3, TrialStatus.Finished, Metrics(2, 1, bits: 2.6, drop: 0.050, shift: 7.5, loss: 12.5, violation: 2.5)),
            Trial(4, TrialStatus.Failed, null) with { Error = "gptq: Hessian not positive definite" },
            Trial(5, TrialStatus.Finished, Metrics(2, 1, bits: 3.9, drop: 0.004, shift: 3.0, loss: 0.0041)),
            Trial(6, TrialStatus.Pruned, Metrics(1, 0.333, bits: 3.5, drop: 0.03, shift: 2, loss: 0.0301)),
        };
        var scores = new[]
        {
            Scores("dense", 32.4, 0.60, null), Scores("best plan", 3.9, 0.58, 0.41), Scores("uniform rtn 4-bit", 4.2, 0.55, 0.03), Scores("uniform gptq 4-bit", 4.2, 0.57, 0.20),
        };
        return new ExperimentResult
        {
            Study = study, Storage = "sqlite:/tmp/study.db", Tuner = "cfo", Trials = trials,
            Best = trials[5], ParetoFront = [trials[5], trials[2]], BestPlan = plan, Space = space,
            Sensitivity = Sensitivity(space), Report = scores,
            SearchedLimit = (long)(4.0 / 32 * dense), DenseSearchedBytes = dense, WallSeconds = 42, TrialsRunHere = 7, StoppedBy = "trials",
        };
    }

    /// <summary>No trial kept the bounds; no report split, no uniform plans, no sensitivity pass, no bias data, no budget.</summary>
    public static ExperimentResult NoBest() => new()
    {
        Study = "nothing-fits", Storage = "sqlite:/tmp/study.db", Tuner = "random",
        Trials =
        [
            Trial(0, TrialStatus.Finished, Metrics(0, 1, bits: 3.0, drop: 0.2, shift: null, loss: 10.1, violation: 0.1)),
            Trial(1, TrialStatus.Pruned, Metrics(0, 0.2, bits: 2.5, drop: 0.3, shift: null, loss: 10.2, violation: 0.2)),
        ],
        SearchedLimit = long.MaxValue, StoppedBy = "time",
    };

    public static ExperimentResult Empty() => new() { Study = "empty", Storage = "sqlite:/tmp/study.db", Tuner = "tpe", Trials = [], StoppedBy = "cancelled" };

    public static TrialRecord Trial(int id, TrialStatus status, TrialMetrics? metrics) => new()
    {
        Id = id, Parameters = new Parameters([new("x", (double)id)]), Status = status, Worker = "host/1/abc", Attempts = 1,
        DurationSeconds = 1.5 + id, Metrics = metrics?.ToJson(),
    };

    public static TrialMetrics Metrics(int rung, double fraction, double bits, double drop, double? shift, double loss, double violation = 0) => new()
    {
        Rung = rung, Fraction = fraction, Evaluated = true, NFacts = 100, Knowledge = 0.6 - drop, BaseKnowledge = 0.6, KnowledgeDrop = drop, PAt1 = 0.6 - drop,
        BiasShift = shift, BitsPerWeight = bits, SizeFraction = bits / 32, SearchedBytes = (long)(bits * 1000), ModelBytes = (long)(bits * 1000) + 5000,
        Loss = loss, Violation = violation, Objectives = [bits / 32, drop, shift ?? 0], Plan = $"{bits:0.0}b plan #{rung}",
    };

    private static ReportSplitScores Scores(string name, double bits, double p, double? pValue) => new()
    {
        Name = name, PAt1 = new StudyEstimate { Value = p, CiLow = p - 0.05, CiHigh = p + 0.05, PVsBase = pValue }, Mrr = p + 0.1,
        Crows = new StudyEstimate { Value = 55, CiLow = 50, CiHigh = 60, PVsBase = pValue }, BitsPerWeight = bits,
        SearchedBytes = (long)(bits * 1000), ModelBytes = (long)(bits * 1000) + 5000, NFacts = 100,
    };

    private static SensitivityTable Sensitivity(CompressionSpace space) => new()
    {
        Proxy = "fact_nll", Base = 1.7, Fraction = 0.33,
        Units = space.Units.Select((u, i) => new UnitSensitivity(u.Name,
        [
            new ProbeResult("fp32", 0, null, 1000, 0), new ProbeResult("8b", 0, 8, 300, 0.0001 * (i - 2)),
            new ProbeResult("4b", 0, 4, 170, 0.002 * (i + 1)), new ProbeResult("s0.90", 0.9, null, 200, 0.05 * (i + 1)),
        ])).ToList(),
    };
}
