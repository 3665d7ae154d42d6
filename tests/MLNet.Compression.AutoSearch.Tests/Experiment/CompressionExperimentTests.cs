using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Study;

namespace MLNet.Compression.AutoSearch.Tests.Experiment;

/// <summary>Whole searches on a tiny trained model: counts, bounds, resume, failures, the time budget and refused input.</summary>
public sealed class CompressionExperimentTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("search-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Db(string name = "study") => "sqlite:" + Path.Combine(_dir, name + ".db");

    private CompressionExperiment Experiment(int trials, SearchObjective? objective = null, string tuner = "cfo", string? db = null, string? model = null)
        => new CompressionContext(1).Auto().CreateExperiment()
            .SetModel(model ?? world.Model).SetData(world.Data())
            .SetSearchSpace(new CompressionSpaceOptions { Pruners = ["magnitude", "wanda"], Quantizers = ["rtn", "gptq"], GroupSizes = [32] })
            .SetObjective(objective ?? new SearchObjective { SizeBudget = SizeBudget.Parse("4bits", "budget") })
            .SetTuner(tuner).SetStorage(db ?? Db()).SetStudy("s").SetMaxTrials(trials);

    [Fact]
    public async Task ASearch_RunsExactlyItsTrials_AndItsBestIsFeasible_AndRunsAsARecipe()
    {
        var r = await Experiment(8).SetCompareUniform(true).RunAsync();

        Assert.Equal(8, r.Trials.Count);
        Assert.All(r.Trials, t => Assert.True(t.IsComplete));
        Assert.Equal(Enumerable.Range(0, 8), r.Trials.Select(t => t.Id));
        Assert.Equal(8, r.Trials.Select(t => t.Parameters.Hash()).Distinct().Count());
        var best = Assert.IsType<TrialRecord>(r.Best);
        var m = ExperimentResult.MetricsOf(best)!;
        Assert.True(m.Feasible && m.Evaluated);
        Assert.True(m.SearchedBytes <= r.SearchedLimit, $"{m.SearchedBytes} > {r.SearchedLimit}");
        Assert.True(m.BitsPerWeight <= 4.0 + 1e-9, $"{m.BitsPerWeight}");
        Assert.Contains(r.ParetoFront, t => t.Id == best.Id || ExperimentResult.MetricsOf(t)!.SizeFraction <= m.SizeFraction);

        // The report split: dense first, then the best plan; uniform plans only when they fit.
        Assert.Equal("dense", r.Report[0].Name);
        var bestReport = r.Report.Single(x => x.Name == "best plan");
        var pAt1 = Assert.IsType<StudyEstimate>(bestReport.PAt1);
        Assert.True(pAt1.CiLow <= pAt1.Value && pAt1.Value <= pAt1.CiHigh);
        Assert.NotNull(pAt1.PVsBase);
        Assert.Null(bestReport.EmbeddingCosine); // no embedding texts given
        Assert.All(r.Report.Where(x => x.Name.StartsWith("uniform", StringComparison.Ordinal)), u => Assert.True(u.SearchedBytes <= r.SearchedLimit + 64, u.Name));

        // The best plan's recipe, written and read back, compresses to the same stored size the trial measured.
        string path = Path.Combine(_dir, "best.recipe.json");
        RecipeJson.Write(r.Runner!.RecipeOf(r.BestPlan!), path);
        var recipe = Recipe.Load(path);
        var prepared = RecipeRunner.Prepare(recipe, world.Model, Path.Combine(_dir, "best-model"), "best.recipe.json");
        var fitted = RecipeRunner.Fit(prepared);
        long searched = r.Space!.Layers.Keys.Sum(n => fitted.Model.Linears.Single(l => l.Name == n) is var l ? l.Weight.StorageBytes + (l.Bias?.Length ?? 0) * 4L : 0);
        Assert.Equal(m.SearchedBytes, searched);
    }

    [Fact]
    public async Task ABrokenBiasBound_IsNeverReportedAsBest()
    {
        // A bound no compressed model can keep on these few items: every evaluated plan breaks it.
        var r = await Experiment(5, new SearchObjective { SizeBudget = SizeBudget.Parse("4bits", "b"), MaxBiasShift = 0 }).RunAsync();
        foreach (var t in r.Trials)
            if (ExperimentResult.MetricsOf(t) is { Evaluated: true, Rung: 2 } m && m.BiasShift > 0) Assert.False(m.Feasible);
        if (r.Best is { } best) Assert.Equal(0, ExperimentResult.MetricsOf(best)!.BiasShift ?? 0);
    }

    [Fact]
    public async Task ASecondRun_ResumesTheStudy_WithoutRerunningCompleteTrials()
    {
        var first = await Experiment(3).RunAsync();
        var again = await Experiment(6).RunAsync();
        Assert.Equal(6, again.Trials.Count);
        Assert.Equal(3, again.TrialsRunHere);
        foreach (var t in first.Trials)
        {
            var same = again.Trials.Single(x => x.Id == t.Id);
            Assert.Equal(t.CompletedAt, same.CompletedAt);
            Assert.Equal(t.Worker, same.Worker);
            Assert.Equal(1, same.Attempts);
        }
        Assert.Equal(6, again.Trials.Select(t => t.Parameters.Hash()).Distinct().Count());
    }

    private sealed class FailingRunner(ITrialRunner inner, int failAt) : ITrialRunner
    {
        public TrialOutcome Run(TrialContext context, CancellationToken cancellation)
            => context.TrialId == failAt ? throw new InvalidOperationException("planted failure") : inner.Run(context, cancellation);
    }

    [Fact]
    public async Task AFailedTrial_IsStoredWithItsError_AndTheSearchGoesOn()
    {
        var r = await Experiment(4).SetTrialRunner(inner => new FailingRunner(inner, 1)).RunAsync();
        Assert.Equal(4, r.Trials.Count);
        var failed = r.Trials.Single(t => t.Id == 1);
        Assert.Equal(TrialStatus.Failed, failed.Status);
        Assert.Contains("planted failure", failed.Error);
        Assert.All(r.Trials.Where(t => t.Id != 1), t => Assert.NotEqual(TrialStatus.Failed, t.Status));
    }

    private sealed class SlowRunner(ITrialRunner inner) : ITrialRunner
    {
        public TrialOutcome Run(TrialContext context, CancellationToken cancellation)
        {
            cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(300));
            cancellation.ThrowIfCancellationRequested();
            return inner.Run(context, cancellation);
        }
    }

    [Fact]
    public async Task TheTimeBudget_StopsTheWorker_AndTheStudyResumesLater()
    {
        // Trials of at least 0.3 s against a 2 s budget: the worker stops long before 200 trials.
        var r = await Experiment(200).SetTimeBudget(TimeSpan.FromSeconds(2)).SetSensitivityStart(false).SetTrialRunner(inner => new SlowRunner(inner)).RunAsync();
        Assert.True(r.StoppedBy == "time", $"stopped by {r.StoppedBy} after {r.Trials.Count} trials in {r.WallSeconds:F1} s");
        int done = r.Trials.Count(t => t.IsComplete);
        Assert.InRange(done, 1, 10);
        var again = await Experiment(done + 2).SetSensitivityStart(false).RunAsync();
        Assert.Equal(done + 2, again.Trials.Count(t => t.IsComplete));
    }

    [Fact]
    public async Task AnImpossibleBudget_IsRefusedBeforeAnythingRuns()
    {
        var e = Assert.Throws<ArgumentException>(() => Experiment(3, new SearchObjective { SizeBudget = SizeBudget.Parse("0.5bits", "--size-budget") }).Prepare());
        Assert.StartsWith("--size-budget: ", e.Message);
        Assert.Contains("smallest plan", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "study.db")));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task AStudyResumedWithAnotherSpaceOrModel_IsRefused_AndKeepsItsTrials()
    {
        await Experiment(2).RunAsync();
        var other = Experiment(2).SetSearchSpace(new CompressionSpaceOptions { Bits = ["4", "2"], Pruners = ["magnitude"], Quantizers = ["rtn"], GroupSizes = [32] });
        Assert.Contains("search space", Assert.Throws<StudyMismatchException>(() => other.Prepare()).Message);
        Assert.Contains("model", Assert.Throws<StudyMismatchException>(() => Experiment(2, model: world.OtherModel).Prepare()).Message);
        using var store = StudyStores.Open(Db(), "test");
        Assert.Equal(2, store.Trials("s").Count(t => t.IsComplete));
    }

    [Fact]
    public async Task EveryTuner_RunsASearch()
    {
        foreach (var tuner in TunerNames)
        {
            var r = await Experiment(4, tuner: tuner, db: Db(tuner)).SetSensitivityStart(false).RunAsync();
            Assert.Equal(4, r.Trials.Count(t => t.IsComplete));
        }
    }

    [Fact]
    public async Task TheKlProxy_OnACausalLm_MeasuresKlFromDense_AndTheSmallestPlanInsideTheBound()
    {
        var data = world.Data() with { LamaDir = Path.Combine(world.World, "lama-next-token") };
        var r = await new CompressionContext(1).Auto().CreateExperiment()
            .SetModel(world.CausalModel).SetData(data)
            .SetSearchSpace(new CompressionSpaceOptions { Pruners = ["magnitude"], Quantizers = ["rtn"], GroupSizes = [32], Bits = ["none", "8", "4"] })
            .SetObjective(new SearchObjective { Knowledge = KnowledgeMetric.Kl, MaxKnowledgeDrop = 0.5 })
            .SetStorage(Db("kl")).SetStudy("kl").SetMaxTrials(5).RunAsync();
        Assert.Equal(5, r.Trials.Count(t => t.IsComplete));
        var measured = r.Trials.Select(ExperimentResult.MetricsOf).Where(m => m is { Evaluated: true }).ToList();
        Assert.NotEmpty(measured);
        Assert.All(measured, m => Assert.True(m!.Kl >= 0 && m.KnowledgeDrop == m.Kl, $"kl {m.Kl}, drop {m.KnowledgeDrop}"));
        // Without a size budget the loss is the size: the best is the smallest plan whose KL stays inside the bound.
        if (r.Best is { } best)
        {
            var b = ExperimentResult.MetricsOf(best)!;
            Assert.True(b.Kl <= 0.5);
            Assert.All(measured.Where(m => m!.Feasible && m.Rung == b.Rung), m => Assert.True(m!.SizeFraction >= b.SizeFraction - 1e-12));
        }
    }

    private static readonly string[] TunerNames = ["random", "cfo", "tpe", "nsga2"];
}
