using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Tuners;
using SRange = MLNet.Compression.AutoSearch.Space.Range;

namespace MLNet.Compression.AutoSearch.Tests.Tuners;

public class TpeTunerTests
{
    [Fact]
    public void Gamma_follows_optunas_default()
    {
        Assert.Equal(1, TpeTuner.Gamma(10));
        Assert.Equal(2, TpeTuner.Gamma(11));
        Assert.Equal(10, TpeTuner.Gamma(100));
        Assert.Equal(25, TpeTuner.Gamma(1000));
    }

    [Fact]
    public void Recency_weights_ramp_up_for_observations_older_than_the_newest_25()
    {
        Assert.All(TpeTuner.RecencyWeights(25), w => Assert.Equal(1.0, w));
        var w = TpeTuner.RecencyWeights(35);
        Assert.Equal(1.0 / 35, w[0], 12);
        Assert.Equal(1.0, w[9], 12);
        Assert.All(w.Skip(10), x => Assert.Equal(1.0, x));
        for (int i = 1; i < 10; i++) Assert.True(w[i] > w[i - 1]);
    }

    [Theory]
    [InlineData(new double[0])]
    [InlineData(new[] { 0.0, 0.02, 0.05 })]
    [InlineData(new[] { 0.3, 0.3, 0.3, 0.9, 1.0 })]
    public void The_parzen_density_integrates_to_one_on_the_unit_interval(double[] points)
    {
        var p = new ParzenEstimator(points, points.Select(_ => 1.0).ToArray());
        int n = 20000;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Exp(p.LogDensity((i + 0.5) / n)) / n;
        Assert.Equal(1.0, sum, 3);
    }

    [Fact]
    public void After_the_startup_trials_land_near_the_optimum_far_more_often_than_uniform()
    {
        // Uniform proposals fall within 0.1 of x = 0.8 with probability 0.2, i.e. 6 of the 30 model-based trials.
        var space = new SearchSpace { new SRange("x", 0, 1) };
        var tuner = new TpeTuner(space, new TunerOptions { Seed = 6 });
        var (_, results) = TunerHarness.Run(tuner, p => new Evaluation(Math.Pow(p.Number("x") - 0.8, 2), []), trials: 40);
        int near = results.Skip(10).Count(r => Math.Abs(r.Parameters.Number("x") - 0.8) < 0.1);
        Assert.True(near >= 12, $"{near} of 30 within 0.1 of the optimum");
    }

    [Fact]
    public void Failed_and_infeasible_trials_go_to_the_bad_side_whatever_their_loss()
    {
        // The lowest losses belong to failed (x near 0.1) and infeasible (x near 0.3) trials; only x near 0.9 succeeded
        // within the constraints, so l(x) is built there.
        var space = new SearchSpace { new SRange("x", 0, 1) };
        var tuner = new TpeTuner(space, new TunerOptions { Seed = 2 }, startupTrials: 12);
        for (int i = 0; i < 12; i++)
        {
            var (x, failed, violation, loss) = (i % 3) switch
            {
                0 => (0.1 + 0.01 * i, true, 0.0, 0.0),
                1 => (0.3 + 0.01 * i, false, 0.5, 0.1),
                _ => (0.85 + 0.005 * i, false, 0.0, 1.0 + i),
            };
            tuner.Update(new TrialResult { TrialId = i, Parameters = new Parameters([new("x", x)]), Loss = loss, Succeeded = !failed, ConstraintViolation = violation });
        }
        var xs = Enumerable.Range(12, 20).Select(t => tuner.Propose(new TrialSettings(t)).Number("x")).ToList();
        Assert.True(xs.Count(x => x > 0.6) >= 16, string.Join(", ", xs));
    }

    [Fact]
    public void Choice_frequencies_are_smoothed_by_a_uniform_prior_of_weight_one()
    {
        // Three options, observed 0, 0, 1 with weight 1: counts + 1/3 each, over a total of 4.
        var c = new CategoricalEstimator(3, [0, 0, 1], [1.0, 1.0, 1.0]);
        Assert.Equal(Math.Log((2 + 1.0 / 3) / 4), c.LogProbability(0), 12);
        Assert.Equal(Math.Log((1 + 1.0 / 3) / 4), c.LogProbability(1), 12);
        Assert.Equal(Math.Log(1.0 / 3 / 4), c.LogProbability(2), 12);
    }

    [Fact]
    public void Choices_follow_the_option_of_the_best_trials()
    {
        // Twelve layers of six options: "s25b4" is best everywhere, so after the startup the proposals favour it.
        var space = SyntheticProblems.PlanSpace();
        var tuner = new TpeTuner(space, new TunerOptions { Seed = 4 });
        TunerHarness.Run(tuner, p => new Evaluation(space.Dimensions.Count(d => p.Text(d.Name) != "s25b4"), []), trials: 40);
        var proposals = Enumerable.Range(40, 10).Select(t => tuner.Propose(new TrialSettings(t))).ToList();
        double share = proposals.Average(p => space.Dimensions.Count(d => p.Text(d.Name) == "s25b4") / 12.0);
        Assert.True(share > 0.4, $"share of the good option {share:G3} (uniform: 0.17)");
    }
}
