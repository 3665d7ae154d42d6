using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Trials;

namespace MLNet.Compression.AutoSearch.Tests.Evaluation;

public sealed class ItemSplitTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 20000).Select(i => ItemSplit.LamaKey("P" + (i % 40), "uuid-" + i, i)).ToArray();

    [Fact]
    public void HalfTheItems_AreSearchItems_AndTheSplitIsDisjoint()
    {
        var split = new ItemSplit();
        double share = Keys.Count(split.IsSearch) / (double)Keys.Length;
        Assert.InRange(share, 0.48, 0.52);
        Assert.All(Keys, k => Assert.NotEqual(split.Includes(k, SplitPart.Search, 1), split.Includes(k, SplitPart.Report, 1)));
    }

    [Fact]
    public void Rungs_AreNested_AndTheirShareMatches()
    {
        var split = new ItemSplit();
        var search = Keys.Where(split.IsSearch).ToArray();
        var small = search.Where(k => split.Includes(k, SplitPart.Search, 1.0 / 9)).ToHashSet();
        var mid = search.Where(k => split.Includes(k, SplitPart.Search, 1.0 / 3)).ToHashSet();
        Assert.True(small.IsSubsetOf(mid));
        Assert.InRange(small.Count / (double)search.Length, 0.10, 0.125);
        Assert.InRange(mid.Count / (double)search.Length, 0.31, 0.36);
    }

    [Fact]
    public void TheSplitDependsOnTheKeyOnly()
    {
        Assert.Equal(ItemSplit.Unit("lama/P19/abc"), ItemSplit.Unit("lama/P19/abc"));
        Assert.NotEqual(ItemSplit.Unit("lama/P19/abc"), ItemSplit.Unit("lama/P19/abd"));
        Assert.Equal(Keys.Where(new ItemSplit().IsSearch), Keys.Where(new ItemSplit(0.5).IsSearch));
    }

    [Fact]
    public void Asha_PromotesTheBestThird_AndEveryoneWhileFewerThanEta()
    {
        var f = FidelitySchedule.Default;
        Assert.True(f.Promote(9, []));              // first trial: nothing to compare
        Assert.True(f.Promote(9, [1]));             // two trials < η = 3
        Assert.True(f.Promote(1, [2, 3]));          // best of three
        Assert.False(f.Promote(2, [1, 3]));         // second of three: ⌊3/3⌋ = 1 promoted
        Assert.True(f.Promote(2, [1, 3, 4, 5, 6])); // second of six: ⌊6/3⌋ = 2 promoted
        Assert.False(f.Promote(3, [1, 2, 4, 5, 6]));
    }

    [Fact]
    public void BadFidelities_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new FidelitySchedule([0.5, 0.3, 1]).Validate("--fidelities"));
        Assert.Throws<ArgumentException>(() => new FidelitySchedule([0.3, 0.9]).Validate("--fidelities"));
        Assert.Throws<ArgumentException>(() => new FidelitySchedule([1], 1).Validate("--fidelities"));
    }
}
