using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Quantization;

/// <summary>A k-bit layer's own grid applied to other weights (what recovery training re-quantizes with).</summary>
public sealed class KBitGridTests
{
    private static Tensor Random(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        return new Tensor(Enumerable.Range(0, rows * cols).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), rows, cols);
    }

    [Theory]
    [InlineData(3, 32, false)]
    [InlineData(4, 0, true)]
    [InlineData(2, 16, false)]
    public void OnSameGrid_KeepsScalesAndZeros_AndRoundsEachValueToItsGroupsGrid(int bits, int groupSize, bool symmetric)
    {
        var w = Random(4, 64, 1);
        var k = RtnQuantizer.Quantize(w, bits, groupSize, symmetric);
        // Its own values come back unchanged.
        Assert.Equal(k.ToDense().Data, k.OnSameGrid(k.ToDense()).ToDense().Data);

        var moved = Random(4, 64, 2);
        var again = k.OnSameGrid(moved);
        int maxq = (1 << bits) - 1;
        for (int o = 0; o < 4; o++)
            for (int g = 0; g < k.Groups; g++)
            {
                Assert.Equal(k.Scale(o, g), again.Scale(o, g));
                Assert.Equal(k.Zero(o, g), again.Zero(o, g));
                for (int c = g * k.GroupSize; c < Math.Min((g + 1) * k.GroupSize, 64); c++)
                {
                    // The nearest grid value, found by trying every code.
                    float x = moved.ReadOnlySpan[o * 64 + c];
                    int best = Enumerable.Range(0, maxq + 1).OrderBy(q => Math.Abs((q - k.Zero(o, g)) * k.Scale(o, g) - x)).First();
                    Assert.Equal((best - k.Zero(o, g)) * k.Scale(o, g), again.ToDense().ReadOnlySpan[o * 64 + c], 5);
                }
            }
    }
}
