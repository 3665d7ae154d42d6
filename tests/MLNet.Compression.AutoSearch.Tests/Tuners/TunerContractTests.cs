using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Tuners;
using SRange = MLNet.Compression.AutoSearch.Space.Range;

namespace MLNet.Compression.AutoSearch.Tests.Tuners;

/// <summary>The ITuner contract, checked for every tuner of the catalog.</summary>
public class TunerContractTests
{
    public static TheoryData<string> Names() => [.. TunerCatalog.Names];

    /// <summary>Ranges (one log, one fixed), a choice and a fixed choice: every kind of dimension.</summary>
    private static SearchSpace MixedSpace() => new()
    {
        new SRange("a", 0, 1),
        new SRange("b", 1e-3, 10, log: true),
        new SRange("fixed", 0.25, 0.25),
        new Choice("m", "x", "y", "z"),
        new Choice("only", "one"),
        new SRange("c", -2, 2),
    };

    private static Evaluation MixedLoss(Parameters p)
    {
        double loss = Math.Pow(p.Number("a") - 0.3, 2) + Math.Pow(Math.Log10(p.Number("b")), 2) + Math.Pow(p.Number("c") - 1, 2) + (p.Text("m") == "y" ? 0 : 0.3);
        return new Evaluation(loss, [loss, Math.Pow(p.Number("a") - 0.8, 2)], p.Number("c") > 1.8 ? p.Number("c") - 1.8 : 0);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_fresh_tuner_replaying_the_updates_proposes_the_same_points_with_outstanding_proposals(string name)
    {
        var options = new TunerOptions { Seed = 7, Starts = [MixedSpace().Decode([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])] };
        var live = TunerCatalog.Create(name, MixedSpace(), options, "test");
        // 45 trials: past TPE's 10 startup trials and NSGA-II's population of 16, so the models are replayed too.
        var (proposals, results) = TunerHarness.Run(live, MixedLoss, trials: 45, outstanding: 3);

        // A fresh tuner per proposal, given only the updates the live one had seen, with none of its other Propose
        // calls: proposing must not change the state, and asking twice gives the same point.
        foreach (var rec in proposals)
        {
            var fresh = TunerCatalog.Create(name, MixedSpace(), options, "test");
            foreach (var r in results.Take(rec.UpdatesBefore)) fresh.Update(r);
            Assert.Equal(rec.Point, fresh.Propose(rec.Settings));
            Assert.Equal(rec.Point, fresh.Propose(rec.Settings));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Outstanding_proposals_for_different_trial_ids_differ(string name)
    {
        var tuner = TunerCatalog.Create(name, MixedSpace(), new TunerOptions { Seed = 3 }, "test");
        TunerHarness.Run(tuner, MixedLoss, trials: 30);
        var points = Enumerable.Range(30, 6).Select(id => tuner.Propose(new TrialSettings(id)).ToJson()).ToList();
        Assert.Equal(points.Count, points.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Starts_are_proposed_first_in_order(string name)
    {
        var space = MixedSpace();
        var starts = new[] { space.Decode([0.1, 0.2, 0, 0.1, 0, 0.9]), space.Decode([0.9, 0.9, 0, 0.9, 0, 0.1]), space.Decode([0.5, 0.1, 0, 0.5, 0, 0.5]) };
        var tuner = TunerCatalog.Create(name, space, new TunerOptions { Seed = 11, Starts = starts }, "test");
        // Before any result (parallel workers) and between results alike.
        Assert.Equal(starts[2], tuner.Propose(new TrialSettings(2)));
        for (int i = 0; i < starts.Length; i++)
        {
            Assert.Equal(starts[i], tuner.Propose(new TrialSettings(i)));
            tuner.Update(new TrialResult { TrialId = i, Parameters = starts[i], Loss = MixedLoss(starts[i]).Loss, Objectives = MixedLoss(starts[i]).Objectives });
        }
        var after = tuner.Propose(new TrialSettings(3));
        Assert.DoesNotContain(after, starts);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Proposals_stay_inside_the_space_and_fixed_dimensions_stay_fixed(string name)
    {
        var space = MixedSpace();
        var tuner = TunerCatalog.Create(name, space, new TunerOptions { Seed = 5 }, "test");
        var (proposals, _) = TunerHarness.Run(tuner, MixedLoss, trials: 60, outstanding: 2);
        foreach (var rec in proposals)
        {
            space.Check(rec.Point, "proposal");
            Assert.Equal(0.25, rec.Point.Number("fixed"));
            Assert.Equal("one", rec.Point.Text("only"));
        }
        // Not stuck on one value: the free dimensions move.
        Assert.True(proposals.Select(r => r.Point.Number("a")).Distinct().Count() > 20);
        Assert.True(proposals.Select(r => r.Point.Text("m")).Distinct().Count() >= 2);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_raised_attempt_gives_a_point_different_from_the_earlier_attempts_and_the_finished_trials(string name)
    {
        var space = MixedSpace();
        var start = space.Decode([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
        var tuner = TunerCatalog.Create(name, space, new TunerOptions { Seed = 9, Starts = [start] }, "test");
        // At a start: attempt 1 leaves it.
        Assert.NotEqual(start, tuner.Propose(new TrialSettings(0, 1)));
        var (_, results) = TunerHarness.Run(tuner, MixedLoss, trials: 25);
        var finished = results.Select(r => r.Parameters.ToJson()).ToHashSet();
        var attempts = Enumerable.Range(0, 5).Select(a => tuner.Propose(new TrialSettings(25, a)).ToJson()).ToList();
        Assert.Equal(attempts.Count, attempts.Distinct().Count());
        Assert.DoesNotContain(attempts, finished.Contains);
    }

    [Fact]
    public void A_choice_only_space_still_gives_distinct_attempts()
    {
        // Three options in two dimensions: nine points, so rounding onto run points is frequent.
        var space = new SearchSpace { new Choice("p", "a", "b", "c"), new Choice("q", "a", "b", "c") };
        foreach (string name in TunerCatalog.Names)
        {
            var tuner = TunerCatalog.Create(name, space, new TunerOptions { Seed = 2 }, "test");
            var (_, results) = TunerHarness.Run(tuner, p => new Evaluation(p.Text("p") == "b" ? 0 : 1, [p.Text("q") == "c" ? 0 : 1.0, 0]), trials: 4);
            var finished = results.Select(r => r.Parameters.ToJson()).ToHashSet();
            var attempts = Enumerable.Range(0, 3).Select(a => tuner.Propose(new TrialSettings(4, a)).ToJson()).ToList();
            Assert.Equal(3, attempts.Distinct().Count());
            Assert.DoesNotContain(attempts, finished.Contains);
        }
    }

    [Fact]
    public void The_catalog_names_every_tuner_and_refuses_an_unknown_name_in_one_line()
    {
        Assert.Equal(["random", "cfo", "tpe", "nsga2"], TunerCatalog.Names);
        Assert.IsType<CfoTuner>(TunerCatalog.Create("CFO", MixedSpace(), new TunerOptions(), "x"));
        var e = Assert.Throws<ArgumentException>(() => TunerCatalog.Create("smac", MixedSpace(), new TunerOptions(), "study.json: tuner"));
        Assert.StartsWith("study.json: tuner", e.Message);
        Assert.Contains("random, cfo, tpe, nsga2", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_start_outside_the_space_is_refused()
    {
        var bad = new Parameters([new("a", 2.0)]);
        Assert.Throws<ArgumentException>(() => new RandomTuner(MixedSpace(), new TunerOptions { Starts = [bad] }));
    }
}
