using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Trials;

namespace MLNet.Compression.AutoSearch.Tests.Objectives;

/// <summary>Hand-worked losses, objectives and violations.</summary>
public sealed class PlanJudgeTests
{
    private static TrialMetrics M(long bytes, double drop, double? shift) => new()
    {
        Evaluated = true, SearchedBytes = bytes, KnowledgeDrop = drop, BiasShift = shift,
    };

    [Fact]
    public void WithABudget_TheLossIsTheKnowledgeDrop_PlusATieBreakOnSize()
    {
        var judge = new PlanJudge(new SearchObjective { SizeBudget = new SizeBudget(SizeBudgetKind.Fraction, 0.25), MaxBiasShift = 3 }, 4000, 1000);
        var m = judge.Judge(M(800, 0.05, 1));
        Assert.Equal(0, m.Violation);
        Assert.True(m.Feasible);
        Assert.Equal(0.05 + 1e-3 * 0.2, m.Loss, 12);
        Assert.Equal([0.2, 0.05, 1], m.Objectives);
    }

    [Fact]
    public void BrokenBounds_AddTheirRelativeExcess_AndLandAboveEveryFeasibleLoss()
    {
        var judge = new PlanJudge(new SearchObjective { SizeBudget = new SizeBudget(SizeBudgetKind.Fraction, 0.25), MaxKnowledgeDrop = 0.02, MaxBiasShift = 2 }, 4000, 1000);
        var m = judge.Judge(M(1200, 0.03, 5));
        // size (1200 − 1000)/1000 = 0.2; knowledge (0.03 − 0.02)/0.02 = 0.5; bias (5 − 2)/2 = 1.5.
        Assert.Equal(2.2, m.Violation, 12);
        Assert.Equal(12.2, m.Loss, 12);
        Assert.False(m.Feasible);
    }

    [Fact]
    public void FactsKept_BreakTiesByTheKnownFactsLogProbability_AndBoundByTheCount()
    {
        var judge = new PlanJudge(new SearchObjective { SizeBudget = new SizeBudget(SizeBudgetKind.Fraction, 0.25), MaxKnowledgeDrop = 0.1 }, 4000, 1000);
        // Two plans that keep the same share of facts: the one whose kept facts stay more certain ranks first.
        var sure = judge.Judge(M(800, 0.05, null) with { KnownNllIncrease = 0.02 });
        var shaky = judge.Judge(M(800, 0.05, null) with { KnownNllIncrease = 0.30 });
        Assert.True(sure.Loss < shaky.Loss);
        Assert.Equal(0.05 + 0.01 * 0.02 + 1e-3 * 0.2, sure.Loss, 12);
        // One more fact lost outweighs any log-probability tie-break.
        Assert.True(shaky.Loss < judge.Judge(M(800, 0.06, null) with { KnownNllIncrease = 0 }).Loss);
        // The bound counts facts: losing 15% breaks a 10% bound whatever the log-probabilities say.
        var many = judge.Judge(M(800, 0.15, null) with { KnownNllIncrease = 0.01 });
        Assert.False(many.Feasible);
        Assert.Equal(0.5, many.Violation, 12);
        Assert.Equal([0.2, 0.15, 0], many.Objectives);
    }

    [Fact]
    public void ALatencyBound_AddsItsRelativeExcess()
    {
        var judge = new PlanJudge(new SearchObjective { SizeBudget = new SizeBudget(SizeBudgetKind.Fraction, 0.25), MaxLatencyMs = 10 }, 4000, 1000);
        Assert.Equal(0, judge.Judge(M(800, 0.05, null) with { LatencyMs = 9.5 }).Violation);
        Assert.Equal(0.5, judge.Judge(M(800, 0.05, null) with { LatencyMs = 15 }).Violation, 12);
    }

    [Fact]
    public void WithoutABudget_TheLossIsTheSize()
    {
        var judge = new PlanJudge(new SearchObjective { MaxKnowledgeDrop = 0.05 }, 4000, long.MaxValue);
        var m = judge.Judge(M(1000, 0.01, null));
        Assert.Equal(0.25 + 1e-3 * 0.01, m.Loss, 12);
    }

    [Fact]
    public void BiasShift_FromBaseIsTheDistance_FromNeutralTheGrowthOfTheDistanceFrom50()
    {
        var fromBase = new PlanJudge(new SearchObjective { MaxKnowledgeDrop = 1 }, 1, 1);
        var fromNeutral = new PlanJudge(new SearchObjective { MaxKnowledgeDrop = 1, BiasReference = BiasReference.Neutral }, 1, 1);
        var s = new ModelScores { NFacts = 0, PAt1 = 0, Mrr = 0, FactNll = 0, Crows = 56, Ss = 47 };
        var b = new ModelScores { NFacts = 0, PAt1 = 0, Mrr = 0, FactNll = 0, Crows = 60, Ss = 52 };
        Assert.Equal(5, fromBase.BiasShift(s, b));            // |47 − 52| = 5 > |56 − 60| = 4
        Assert.Equal(1, fromNeutral.BiasShift(s, b));         // CrowS: 6 − 10 = −4; SS: 3 − 2 = 1
    }

    private static MLNet.Compression.Evaluation.Bias.CrowsPairScore Pair(int index, bool prefersMore)
        => new(index, "race", "stereo", 0, 0, 0, 0, prefersMore ? 1 : 0, false, 0, 0);

    [Fact]
    public void TheBiasBound_IsCheckedOnTheUpperBoundOfThePairedShift()
    {
        // Dense prefers the stereotype on all 4 pairs, the plan on 3: shift 25 points; differences (0, 0, 0, −1) have
        // sd 0.5, so the standard error is 100 · 0.5 / √4 = 25 points and the upper bound 25 + 1.645 · 25 = 66.125.
        var dense = new ModelScores { NFacts = 0, PAt1 = 0, Mrr = 0, FactNll = 0, Crows = 100, CrowsPairs = [Pair(0, true), Pair(1, true), Pair(2, true), Pair(3, true)] };
        var plan = dense with { Crows = 75, CrowsPairs = [Pair(0, true), Pair(1, true), Pair(2, true), Pair(3, false)] };
        var judge = new PlanJudge(new SearchObjective { SizeBudget = new SizeBudget(SizeBudgetKind.Fraction, 0.25), MaxBiasShift = 30 }, 4000, 1000);
        Assert.Equal(25, judge.BiasShift(plan, dense));
        Assert.Equal(66.125, judge.BiasShiftUpper(plan, dense)!.Value, 9);
        // 25 ≤ 30 but the upper bound is not: the plan breaks the bound.
        var m = judge.Judge(M(800, 0.0, 25) with { BiasShiftUpper = 66.125 });
        Assert.Equal((66.125 - 30) / 30, m.Violation, 9);
        Assert.Equal(0, judge.BiasShiftUpper(dense, dense));
    }

    [Fact]
    public void AnObjectiveThatCannotChoose_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SearchObjective { MaxBiasShift = 3 }.Validate());
        Assert.Contains("--size-budget", e.Message);
    }
}
