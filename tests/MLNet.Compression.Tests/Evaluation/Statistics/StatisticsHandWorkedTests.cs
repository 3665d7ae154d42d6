using MLNet.Compression.Evaluation.Statistics;

namespace MLNet.Compression.Tests.Evaluation.Statistics;

/// <summary>Bootstrap intervals and paired tests on item sets small enough to work out by hand.</summary>
public class StatisticsHandWorkedTests
{
    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(5, 0, 2.0 / 32)]            // n = 5, k = 0: 2·(1/2⁵)
    [InlineData(3, 1, 10.0 / 16)]           // n = 4, k = 1: 2·(1 + 4)/16
    [InlineData(2, 10, 158.0 / 4096)]       // n = 12, k = 2: 2·(1 + 12 + 66)/4096
    [InlineData(6, 6, 1.0)]                 // balanced: capped at 1
    public void ExactSignTest_EqualsTheBinomialTailWorkedByHand(int gained, int lost, double expected)
        => Assert.Equal(expected, PairedTests.ExactSignPValue(gained, lost), 12);

    [Fact]
    public void SignTest_CountsGainsAndLossesOnTheSameItems()
    {
        bool[] before = [true, true, false, false, true, false];
        bool[] after = [true, false, true, true, true, true];
        var c = PairedTests.SignTest(before, after);
        Assert.Equal((6, 3, 1), (c.Items, c.Gained, c.Lost));
        Assert.Equal((5 - 3) / 6.0, c.Delta, 12);
        Assert.Equal(10.0 / 16, c.PValue, 12);   // 3 gained, 1 lost: as the hand-worked row above
    }

    [Fact]
    public void Quantile_InterpolatesBetweenOrderStatisticsAsNumpy()
    {
        double[] v = [1, 2, 3, 4];
        Assert.Equal(1.75, Bootstrap.Quantile(v, 0.25), 12);  // position 0.75 between 1 and 2
        Assert.Equal(2.5, Bootstrap.Quantile(v, 0.5), 12);
        Assert.Equal(4, Bootstrap.Quantile(v, 1), 12);
    }

    [Fact]
    public void Mean_OfConstantItems_HasAZeroWidthInterval()
    {
        var i = Bootstrap.Mean([0.7, 0.7, 0.7]);
        Assert.Equal(0.7, i.Estimate, 12);
        Assert.Equal(0.7, i.Low, 12);
        Assert.Equal(0.7, i.High, 12);
    }

    [Fact]
    public void Mean_OfThreeItems_MatchesTheExactResamplingDistribution()
    {
        // Items [0, 0, 1]: a resample's mean is W/3 with W ~ Binomial(3, 1/3): P(W=0) = 8/27 ≈ 0.296 and P(W=3) = 1/27 ≈ 0.037,
        // so the 2.5% quantile is 0 and the 97.5% quantile is 1 (more than 2.5% of resamples sit at 1).
        var i = Bootstrap.Mean([0, 0, 1], new Bootstrap.Options { Resamples = 20000, Seed = 3 });
        Assert.Equal(1.0 / 3, i.Estimate, 12);
        Assert.Equal(0, i.Low);
        Assert.Equal(1, i.High);
        // And the share of resamples at each value follows the binomial (checked through the 50% quantile: P(W ≤ 1) = 20/27 > ½ and P(W = 0) < ½).
        Assert.Equal(1.0 / 3, Bootstrap.Percentile(3, w => w[2] / 3.0, new Bootstrap.Options { Resamples = 20000, Level = 0.01 }).Low, 12);
    }

    [Fact]
    public void Percentile_IsRepeatableForASeedAndMovesWithIt()
    {
        var values = Enumerable.Range(0, 50).Select(i => (double)(i % 7)).ToArray();
        var a = Bootstrap.Mean(values, new Bootstrap.Options { Seed = 1 });
        var b = Bootstrap.Mean(values, new Bootstrap.Options { Seed = 1 });
        var c = Bootstrap.Mean(values, new Bootstrap.Options { Seed = 2 });
        Assert.Equal(a, b);
        Assert.NotEqual((a.Low, a.High), (c.Low, c.High));
        Assert.True(a.Low < a.Estimate && a.Estimate < a.High);
    }

    [Fact]
    public void PairedBootstrap_OfIdenticalModels_FindsNoChange()
    {
        double[] x = [0.2, 0.9, 0.4, 0.7];
        var c = PairedTests.PairedBootstrap(4, w => Bootstrap.WeightedMean(x, w), w => Bootstrap.WeightedMean(x, w));
        Assert.Equal(0, c.Delta);
        Assert.Equal(1, c.PValue);
    }

    [Fact]
    public void PairedBootstrap_OfAModelBetterOnEveryItem_IsSignificant()
    {
        double[] a = Enumerable.Range(0, 40).Select(i => (double)(i % 5)).ToArray();
        double[] b = a.Select(v => v + 1).ToArray();
        var c = PairedTests.PairedBootstrap(a.Length, w => Bootstrap.WeightedMean(a, w), w => Bootstrap.WeightedMean(b, w), i => 1);
        Assert.Equal(1, c.Delta, 12);
        Assert.Equal(0, c.PValue);  // every resampled difference is exactly +1
        Assert.Equal((40, 0), (c.Gained, c.Lost));
    }

    [Fact]
    public void Interval_FormatsAsTheTablesPrintIt()
        => Assert.Equal("62.3 [58.1, 66.4]", new Interval(62.31, 58.08, 66.44).ToString("0.0"));
}
