using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests;

public class GemmTests
{
    [Fact]
    public void Sgemm_TwoByTwo_MatchesHandWorkedProduct()
    {
        // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8], c = new float[4];
        Gemm.Sgemm(false, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }
}
