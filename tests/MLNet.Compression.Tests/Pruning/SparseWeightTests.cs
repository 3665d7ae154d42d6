using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Pruning;

/// <summary>The CSR and N:M forms multiply exactly like the dense masked weight, store what they claim, and round-trip through safetensors.</summary>
public class SparseWeightTests
{
    private static Tensor RandomSparse(int outF, int inF, double sparsity, int seed)
    {
        var rng = new Random(seed);
        var w = new float[outF * inF]; // [out, in]
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextDouble() < sparsity ? 0f : (float)(rng.NextDouble() * 2 - 1);
        return new Tensor(w, outF, inF);
    }

    private static float[] RandomInput(int rows, int inF, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * inF).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(); // [rows, in]
    }

    private static void AssertClose(float[] expected, float[] actual, float tol = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++) max = MathF.Max(max, MathF.Abs(expected[i] - actual[i]));
        Assert.True(max <= tol, $"max |diff| = {max}");
    }

    [Theory]
    [InlineData(1, 0.8)]
    [InlineData(2, 0.8)]
    [InlineData(3, 0.5)]
    [InlineData(5, 0.9)]
    [InlineData(64, 0.8)]
    [InlineData(100, 0.7)]
    [InlineData(130, 0.99)]
    [InlineData(300, 0.8)]   // several tiles and threads
    public void Csr_MultipliesLikeTheDenseWeight(int rows, double sparsity)
    {
        var dense = RandomSparse(96, 200, sparsity, rows);
        var csr = CsrWeight.FromDense(dense);
        var x = RandomInput(rows, 200, 7);
        var expected = new float[rows * 96];
        var actual = new float[rows * 96];
        new DenseWeight(dense).MultiplyTransposed(x, rows, expected);
        csr.MultiplyTransposed(x, rows, actual);
        AssertClose(expected, actual);
        Assert.Equal(dense.ReadOnlySpan.ToArray(), csr.ToDense().ReadOnlySpan.ToArray());
        // 4 bytes value + 2 bytes column per nonzero, 4 bytes per row offset.
        int nnz = dense.ReadOnlySpan.ToArray().Count(v => v != 0);
        Assert.Equal(nnz * 6L + 97 * 4, csr.StorageBytes);
    }

    [Fact]
    public void Csr_LargeProblemOnManyThreads_MatchesDense()
    {
        var dense = RandomSparse(768, 512, 0.8, 1);
        var x = RandomInput(200, 512, 2);
        var expected = new float[200 * 768];
        var actual = new float[200 * 768];
        new DenseWeight(dense).MultiplyTransposed(x, 200, expected);
        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 4;
            CsrWeight.FromDense(dense).MultiplyTransposed(x, 200, actual);
        }
        finally { Gemm.MaxThreads = saved; }
        AssertClose(expected, actual, 1e-3f);
    }

    [Theory]
    [InlineData(2, 4, 1)]
    [InlineData(2, 4, 70)]
    [InlineData(4, 8, 2)]
    [InlineData(4, 8, 129)]
    public void NM_MultipliesLikeTheDenseWeightAndStoresNOfEveryM(int n, int m, int rows)
    {
        var full = RandomSparse(40, 64, 0, 5).ReadOnlySpan.ToArray();
        var prune = new bool[full.Length];
        MaskSelection.MarkNM(full.Select(MathF.Abs).ToArray(), 64, n, m, prune);
        MaskSelection.Apply(full, prune);
        var dense = new Tensor(full, 40, 64);
        var nm = NMWeight.FromDense(dense, n, m);
        for (int g = 0; g < full.Length; g += m) Assert.Equal(n, full.AsSpan(g, m).ToArray().Count(v => v != 0));
        var x = RandomInput(rows, 64, 9);
        var expected = new float[rows * 40];
        var actual = new float[rows * 40];
        new DenseWeight(dense).MultiplyTransposed(x, rows, expected);
        nm.MultiplyTransposed(x, rows, actual);
        AssertClose(expected, actual);
        Assert.Equal(full, nm.ToDense().ReadOnlySpan.ToArray());
        Assert.Equal(40L * 64 / m * n * 5, nm.StorageBytes); // 4-byte value + 1-byte position per kept weight
    }

    [Fact]
    public void NM_RefusesAGroupWithMoreThanNNonzeros()
    {
        var dense = new Tensor([1f, 2f, 3f, 0f], 1, 4);
        var e = Assert.Throws<ArgumentException>(() => NMWeight.FromDense(dense, 2, 4));
        Assert.Contains("more than 2 nonzeros", e.Message);
    }

    [Fact]
    public void CsrAndNM_SaveAndReadBack_Exactly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "prune-roundtrip-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var csr = CsrWeight.FromDense(RandomSparse(30, 70, 0.7, 3));
            var nmDense = RandomSparse(8, 16, 0, 4).ReadOnlySpan.ToArray();
            var prune = new bool[nmDense.Length];
            MaskSelection.MarkNM(nmDense.Select(MathF.Abs).ToArray(), 16, 2, 4, prune);
            MaskSelection.Apply(nmDense, prune);
            var nm = NMWeight.FromDense(new Tensor(nmDense, 8, 16), 2, 4);
            var writer = new SafeTensorsWriter();
            var csrMeta = csr.Save(writer, "a.weight");
            var nmMeta = nm.Save(writer, "b.weight");
            writer.Save(Path.Combine(dir, "model.safetensors"));
            using var file = SafeTensorsCheckpoint.Open(dir);
            Assert.True(WeightFormats.TryGet(CsrWeight.FormatName, out var readCsr));
            Assert.True(WeightFormats.TryGet(NMWeight.FormatName, out var readNm));
            var csr2 = readCsr(file, "a.weight", csrMeta);
            var nm2 = readNm(file, "b.weight", nmMeta);
            Assert.Equal(csr.ToDense().ReadOnlySpan.ToArray(), csr2.ToDense().ReadOnlySpan.ToArray());
            Assert.Equal(csr.StorageBytes, csr2.StorageBytes);
            Assert.Equal(nm.ToDense().ReadOnlySpan.ToArray(), nm2.ToDense().ReadOnlySpan.ToArray());

            var e = Assert.Throws<CheckpointException>(() => readCsr(file, "missing.weight", csrMeta));
            Assert.Contains("missing.weight.values", e.Message);
            var bad = new Dictionary<string, string>(csrMeta) { ["out_features"] = "31" };
            e = Assert.Throws<CheckpointException>(() => readCsr(file, "a.weight", bad));
            Assert.Contains("row_counts", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
