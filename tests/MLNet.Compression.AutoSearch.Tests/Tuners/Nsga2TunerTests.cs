using MLNet.Compression.AutoSearch.Tuners;

namespace MLNet.Compression.AutoSearch.Tests.Tuners;

public class Nsga2TunerTests
{
    // Worked by hand: feasible 0 (1,5), 1 (2,3), 2 (3,1) and 7 (1,5) are mutually non-dominated (7 equals 0); 3 (2,4)
    // is dominated by 1 only; 4 (4,4) by 1, 2 and 3; 5 and 6 are infeasible however good their objectives, and 6 beats 5
    // on violation.
    private static readonly double[][] Objectives = [[1, 5], [2, 3], [3, 1], [2, 4], [4, 4], [0, 0], [0.5, 0.5], [1, 5]];
    private static readonly double[] Violations = [0, 0, 0, 0, 0, 0.5, 0.2, 0];

    [Fact]
    public void Non_dominated_sort_ranks_feasible_fronts_then_infeasible_by_violation()
    {
        var fronts = Nsga2Tuner.NonDominatedSort(Objectives, Violations);
        Assert.Equal(5, fronts.Count);
        Assert.Equal([0, 1, 2, 7], fronts[0]);
        Assert.Equal([3], fronts[1]);
        Assert.Equal([4], fronts[2]);
        Assert.Equal([6], fronts[3]);
        Assert.Equal([5], fronts[4]);
    }

    [Fact]
    public void Pareto_front_keeps_feasible_non_dominated_points_only()
    {
        Assert.Equal([0, 1, 2, 7], Nsga2Tuner.ParetoFront(Objectives, Violations));
        // With 1 infeasible, 3 (2,4) is no longer dominated.
        Assert.Equal([0, 2, 3, 7], Nsga2Tuner.ParetoFront(Objectives, [0, 0.1, 0, 0, 0, 0.5, 0.2, 0]));
        Assert.Empty(Nsga2Tuner.ParetoFront([[1.0, 1.0], [2.0, 0.0]], [0.3, 0.1]));
    }

    [Fact]
    public void Crowding_distance_matches_the_hand_worked_values()
    {
        // (0,4), (1,2), (3,1), (4,0): objective 1 spans 4 and gives the inner points 3/4 each; objective 2 spans 4 and
        // gives (1,2) (4−1)/4 and (3,1) (2−0)/4. Boundaries are infinite.
        double[][] f = [[3, 1], [0, 4], [4, 0], [1, 2]];
        var d = Nsga2Tuner.CrowdingDistance(f, [0, 1, 2, 3]);
        Assert.Equal(1.25, d[0], 12);
        Assert.Equal(double.PositiveInfinity, d[1]);
        Assert.Equal(double.PositiveInfinity, d[2]);
        Assert.Equal(1.5, d[3], 12);
        // The first front of the sort example: (2,3) between (1,5) and (3,1) gets 2/2 + 4/4; duplicates at the edge.
        var d0 = Nsga2Tuner.CrowdingDistance(Objectives, [1, 0, 2]);
        Assert.Equal(2.0, d0[0], 12);
        // An infeasible front carries no crowding.
        Assert.Equal([0.0, 0.0, 0.0], Nsga2Tuner.CrowdingDistance(Objectives, Violations, [5, 6, 0]));
    }

    [Fact]
    public void Children_come_from_the_population_after_P_results()
    {
        var space = SyntheticProblems.ZdtSpace();
        var tuner = new Nsga2Tuner(space, new TunerOptions { Seed = 3 }, populationSize: 8);
        var (_, results) = TunerHarness.Run(tuner, SyntheticProblems.Zdt1, trials: 8);
        // Every coordinate of a child lies near some parent's: SBX with η = 15 and rare η = 20 mutations stay close,
        // whereas a uniform proposal lands far from all eight parents in six dimensions.
        var parents = results.Select(r => space.Encode(r.Parameters)).ToList();
        int near = 0;
        for (int t = 8; t < 40; t++)
        {
            var child = space.Encode(tuner.Propose(new TrialSettings(t)));
            double nearest = parents.Min(p => p.Zip(child, (a, b) => Math.Abs(a - b)).Max());
            if (nearest < 0.5) near++;
        }
        Assert.True(near >= 28, $"{near} of 32 children near a parent");
    }
}
