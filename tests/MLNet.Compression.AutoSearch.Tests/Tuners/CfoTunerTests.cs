using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Tuners;
using SRange = MLNet.Compression.AutoSearch.Space.Range;

namespace MLNet.Compression.AutoSearch.Tests.Tuners;

public class CfoTunerTests
{
    private static SearchSpace Square() => new() { new SRange("x", 0, 1), new SRange("y", 0, 1), new SRange("z", 0, 1) };

    private static double Distance(SearchSpace space, Parameters a, Parameters b)
        => Math.Sqrt(space.Encode(a).Zip(space.Encode(b), (p, q) => (p - q) * (p - q)).Sum());

    private static TrialResult Result(int id, Parameters p, double loss) => new() { TrialId = id, Parameters = p, Loss = loss };

    [Fact]
    public void The_search_starts_from_the_best_start_at_distance_step()
    {
        var space = Square();
        var starts = new[] { space.Decode([0.2, 0.2, 0.2]), space.Decode([0.7, 0.5, 0.5]), space.Decode([0.5, 0.9, 0.1]) };
        var cfo = new CfoTuner(space, new TunerOptions { Seed = 4, Starts = starts });
        double[] losses = [3, 1, 2];
        for (int i = 0; i < 3; i++) cfo.Update(Result(i, starts[i], losses[i]));
        Assert.Equal(1, cfo.IncumbentLoss);
        for (int t = 3; t < 9; t++)
            Assert.Equal(cfo.Step, Distance(space, starts[1], cfo.Propose(new TrialSettings(t))), 9);
    }

    [Fact]
    public void A_failed_plus_direction_is_followed_by_the_minus_direction()
    {
        var space = Square();
        var start = space.Decode([0.5, 0.5, 0.5]);
        var cfo = new CfoTuner(space, new TunerOptions { Seed = 8, Starts = [start] });
        cfo.Update(Result(0, start, 1.0));
        var plus = cfo.Propose(new TrialSettings(1));
        cfo.Update(Result(1, plus, 2.0));
        var minus = cfo.Propose(new TrialSettings(2));
        var x = space.Encode(start);
        var up = space.Encode(plus);
        var down = space.Encode(minus);
        for (int i = 0; i < 3; i++) Assert.Equal(x[i] - up[i], down[i] - x[i], 9);
    }

    [Fact]
    public void The_incumbent_moves_on_improvement_only()
    {
        var space = Square();
        var start = space.Decode([0.5, 0.5, 0.5]);
        var cfo = new CfoTuner(space, new TunerOptions { Seed = 8, Starts = [start] });
        cfo.Update(Result(0, start, 1.0));
        var worse = cfo.Propose(new TrialSettings(1));
        cfo.Update(Result(1, worse, 1.5));
        Assert.Equal(1.0, cfo.IncumbentLoss);
        var better = cfo.Propose(new TrialSettings(2));
        cfo.Update(Result(2, better, 0.5));
        Assert.Equal(0.5, cfo.IncumbentLoss);
        Assert.Equal(cfo.Step, Distance(space, better, cfo.Propose(new TrialSettings(3))), 9);
    }

    [Fact]
    public void A_run_of_failures_shrinks_the_step_and_a_step_below_the_floor_restarts()
    {
        var space = Square();
        var cfo = new CfoTuner(space, new TunerOptions { Seed = 1 }, reduction: 0.5);
        double initial = cfo.Step;
        var first = cfo.Propose(new TrialSettings(0));
        cfo.Update(Result(0, first, 0.0));
        // d = 3: 2^(3-1) = 4 directions, 8 trials, before each shrink; nothing beats loss 0.
        int id = 1;
        for (int k = 0; k < 8; k++) { var p = cfo.Propose(new TrialSettings(id)); cfo.Update(Result(id++, p, 1.0)); }
        Assert.Equal(initial / 2, cfo.Step, 12);
        while (cfo.Restarts == 0 && id < 400) { var p = cfo.Propose(new TrialSettings(id)); cfo.Update(Result(id++, p, 1.0)); }
        Assert.Equal(1, cfo.Restarts);
        Assert.Equal(initial, cfo.Step);
        Assert.Equal(double.PositiveInfinity, cfo.IncumbentLoss);
        // log2(0.1·√3 / 0.001·√3) ≈ 6.6, so the 7th shrink crosses the floor: 7 × 8 failing trials after the first.
        Assert.Equal(1 + 7 * 8, id);
    }
}
