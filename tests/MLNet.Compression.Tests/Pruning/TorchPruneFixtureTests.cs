using MLNet.Compression.Pruning;
using MLNet.Compression.IO;

namespace MLNet.Compression.Tests.Pruning;

/// <summary>Masks against torch.nn.utils.prune on ../shared/fixtures/ops/prune.safetensors (see ops/README.json).</summary>
public class TorchPruneFixtureTests
{
    private static readonly string FixturePath = SharedData.Fixture("ops", "prune.safetensors");

    private static float[] Abs(float[] w) => w.Select(MathF.Abs).ToArray();

    private static bool[] TorchPruned(SafeTensorsFile f, string name) => f.ReadFloat32(name).Select(v => v == 0f).ToArray();

    [Fact]
    public void L1Unstructured_0_3_MatchesTorchMaskAndPrunedWeight()
    {
        using var f = SafeTensorsFile.Open(FixturePath);
        var w = f.ReadFloat32("l1_unstructured.weight_orig"); // [64, 48]
        int k = MaskSelection.CountToPrune(0.3, w.Length);
        Assert.Equal(922, k); // round(0.3 · 3072) = round(921.6)
        var prune = new bool[w.Length];
        MaskSelection.MarkSmallest(Abs(w), k, prune);
        Assert.Equal(TorchPruned(f, "l1_unstructured.weight_mask"), prune);
        MaskSelection.Apply(w, prune);
        Assert.Equal(f.ReadFloat32("l1_unstructured.weight_pruned"), w);
    }

    [Fact]
    public void GlobalUnstructured_0_5_OverTwoLayers_MatchesTorchMasks()
    {
        using var f = SafeTensorsFile.Open(FixturePath);
        var a = f.ReadFloat32("global_unstructured.a.weight_orig"); // [64, 48]
        var b = f.ReadFloat32("global_unstructured.b.weight_orig"); // [32, 64]
        var masks = MaskSelection.GlobalSmallest([Abs(a), Abs(b)], 0.5);
        Assert.Equal(TorchPruned(f, "global_unstructured.a.weight_mask"), masks[0]);
        Assert.Equal(TorchPruned(f, "global_unstructured.b.weight_mask"), masks[1]);
        Assert.Equal(1447, masks[0].Count(p => p)); // README.json num_pruned_a
        Assert.Equal(1113, masks[1].Count(p => p)); // README.json num_pruned_b
    }

    [Theory]
    [InlineData(0.5, 5, 2)]   // 2.5 rounds half to even: 2, as Python's round
    [InlineData(0.5, 7, 4)]   // 3.5 → 4
    [InlineData(0.3, 3072, 922)]
    [InlineData(0.0, 10, 0)]
    [InlineData(1.0, 10, 10)]
    public void CountToPrune_IsPythonRoundOfAmountTimesCount(double amount, long count, int expected)
        => Assert.Equal(expected, MaskSelection.CountToPrune(amount, count));

    [Fact]
    public void MarkSmallest_TiesAtTheThresholdGoToTheLowerIndex()
    {
        // scores 3 1 2 1 1: the 3 smallest are the three 1s; with k = 2 the first two of them (indices 1 and 3).
        var prune = new bool[5];
        MaskSelection.MarkSmallest([3f, 1f, 2f, 1f, 1f], 2, prune);
        Assert.Equal([false, true, false, true, false], prune);
    }

    [Fact]
    public void KthSmallest_EqualsSortedOrder()
    {
        var rng = new Random(3);
        var v = Enumerable.Range(0, 1001).Select(_ => (float)rng.Next(50)).ToArray();
        var sorted = v.OrderBy(x => x).ToArray();
        foreach (int i in new[] { 0, 1, 500, 999, 1000 }) Assert.Equal(sorted[i], MaskSelection.KthSmallest(v, i));
    }
}
