using MLNet.Compression.AutoSearch.Sensitivity;

namespace MLNet.Compression.AutoSearch.Tests.Sensitivity;

/// <summary>The allocation solver against brute force, and its guarantee that rounding never breaks the capacity.</summary>
public sealed class MultipleChoiceKnapsackTests
{
    [Fact]
    public void HandWorked_TakesTheCheapLossOnTheLargeGroup()
    {
        // Two groups: keeping group 0 at full size (cost 8) leaves 2 for group 1, which must then take its worst option.
        long[][] costs = [[8, 4, 2], [8, 4, 2]];
        double[][] values = [[0, 1, 5], [0, 0.1, 3]];
        var pick = MultipleChoiceKnapsack.Solve(costs, values, 10)!;
        // Options: (8,2)=3, (4,4)=1.1, (2,8)=5, (4,2)=4, (2,4)=5.1 … best is (4,4) with value 1.1.
        Assert.Equal([1, 1], pick);
    }

    [Fact]
    public void MatchesBruteForce_OnRandomInstances()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            int groups = rng.Next(1, 6), options = rng.Next(1, 5);
            var costs = Enumerable.Range(0, groups).Select(_ => Enumerable.Range(0, options).Select(_ => (long)rng.Next(0, 40)).ToArray()).ToArray();
            var values = Enumerable.Range(0, groups).Select(_ => Enumerable.Range(0, options).Select(_ => rng.NextDouble() * 10 - 2).ToArray()).ToArray();
            long capacity = rng.Next(0, 120);
            double? bestValue = null;
            void Walk(int g, long cost, double value)
            {
                if (cost > capacity) return;
                if (g == groups) { if (bestValue is null || value < bestValue) bestValue = value; return; }
                for (int o = 0; o < options; o++) Walk(g + 1, cost + costs[g][o], value + values[g][o]);
            }
            Walk(0, 0, 0);
            var pick = MultipleChoiceKnapsack.Solve(costs, values, capacity);
            if (bestValue is null) { Assert.Null(pick); continue; }
            Assert.NotNull(pick);
            Assert.True(pick.Select((o, g) => costs[g][o]).Sum() <= capacity);
            Assert.Equal(bestValue.Value, pick.Select((o, g) => values[g][o]).Sum(), 9);
        }
    }

    [Fact]
    public void LargeCosts_AreRoundedUp_SoTheAnswerAlwaysFits()
    {
        var rng = new Random(9);
        for (int trial = 0; trial < 50; trial++)
        {
            var costs = Enumerable.Range(0, 30).Select(_ => new long[] { 4_000_000, 1_000_000 + rng.Next(500_000), 500_000 + rng.Next(300_000), 250_000 }).ToArray();
            var values = Enumerable.Range(0, 30).Select(_ => new[] { 0, rng.NextDouble(), 1 + rng.NextDouble(), 5 + rng.NextDouble() }).ToArray();
            long capacity = 30L * 700_000 + rng.Next(1_000_000);
            var pick = MultipleChoiceKnapsack.Solve(costs, values, capacity)!;
            Assert.True(pick.Select((o, g) => costs[g][o]).Sum() <= capacity);
        }
    }

    [Fact]
    public void NothingFits_ReturnsNull()
        => Assert.Null(MultipleChoiceKnapsack.Solve([[5L, 6L]], [[0.0, 1.0]], 4));
}
