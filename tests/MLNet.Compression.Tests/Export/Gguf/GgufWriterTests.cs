using MLNet.Compression.Export.Gguf;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pruning;

namespace MLNet.Compression.Tests.Export.Gguf;

/// <summary>The GGUF container and ggml blocks, read back with this project's reader.</summary>
public class GgufWriterTests
{
    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"gguf-w-{Environment.ProcessId}-{name}.gguf");

    [Fact]
    public void RoundTrip_HeaderMetadataAndTensors()
    {
        string path = Temp("rt");
        try
        {
            var rng = new Random(5);
            var a = Enumerable.Range(0, 3 * 64).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(); // [3, 64]
            var bias = new float[] { 1.5f, -2f, 3.25f };                                                   // [3] (12 bytes: forces padding)
            var w = new GgufWriter()
                .AddString("general.architecture", "llama")
                .AddUInt32("u32", 7).AddInt32("i32", -9).AddFloat32("f32", 0.5f).AddBool("flag", true)
                .AddUInt64("u64", 1UL << 40).AddFloat64("f64", Math.PI)
                .AddStringArray("strings", ["a", "▁b", ""]).AddFloat32Array("floats", [1f, -1f]).AddInt32Array("ints", [3, 1, 6])
                .AddTensor("bias", [3], GgmlType.F32, () => GgmlBlocks.Encode(GgmlType.F32, bias, 3))
                .AddTensor("a.f32", [3, 64], GgmlType.F32, () => GgmlBlocks.Encode(GgmlType.F32, a, 64))
                .AddTensor("a.f16", [3, 64], GgmlType.F16, () => GgmlBlocks.Encode(GgmlType.F16, a, 64))
                .AddTensor("a.q8_0", [3, 64], GgmlType.Q8_0, () => GgmlBlocks.Encode(GgmlType.Q8_0, a, 64))
                .AddTensor("a.q4_0", [3, 64], GgmlType.Q4_0, () => GgmlBlocks.Encode(GgmlType.Q4_0, a, 64))
                .AddTensor("a.q4_1", [3, 64], GgmlType.Q4_1, () => GgmlBlocks.Encode(GgmlType.Q4_1, a, 64));
            w.Save(path);

            var r = GgufReader.Open(path);
            Assert.Equal(3u, r.Version);
            Assert.Equal(32u, r.Alignment);
            Assert.Equal("general.alignment", r.KeyOrder[0]);
            Assert.Equal("llama", r.Metadata["general.architecture"]);
            Assert.Equal(7u, r.Metadata["u32"]);
            Assert.Equal(-9, r.Metadata["i32"]);
            Assert.Equal(0.5f, r.Metadata["f32"]);
            Assert.Equal(true, r.Metadata["flag"]);
            Assert.Equal(1UL << 40, r.Metadata["u64"]);
            Assert.Equal(Math.PI, r.Metadata["f64"]);
            Assert.Equal(["a", "▁b", ""], ((GgufArray)r.Metadata["strings"]).As<string>());
            Assert.Equal([1f, -1f], ((GgufArray)r.Metadata["floats"]).As<float>());
            Assert.Equal([3, 1, 6], ((GgufArray)r.Metadata["ints"]).As<int>());
            Assert.Equal(0, r.DataStart % 32);
            Assert.All(r.Tensors, t => Assert.Equal(0ul, t.Offset % 32));
            Assert.Equal([64L, 3L], r.Tensor("a.q4_0").Dims); // innermost first
            Assert.Equal([3, 64], r.Tensor("a.q4_0").Shape);
            Assert.Equal(3 * 2 * 18, r.Tensor("a.q4_0").Bytes);
            Assert.Equal(bias, r.ReadFloat32("bias"));
            Assert.Equal(a, r.ReadFloat32("a.f32"));
            Assert.Equal(a.Select(v => (float)(Half)v).ToArray(), r.ReadFloat32("a.f16"));
            // Reference rounding bounds: Q8_0 within d/2 (d = max|x|/127) plus 127·(d rounded to fp16, relative 2^-11);
            // Q4_0 and Q4_1 within about one step.
            var q8 = r.ReadFloat32("a.q8_0");
            var q40 = r.ReadFloat32("a.q4_0");
            var q41 = r.ReadFloat32("a.q4_1");
            for (int b = 0; b < a.Length / 32; b++)
            {
                var blk = a.AsSpan(b * 32, 32).ToArray();
                float amax = blk.Max(MathF.Abs), range = blk.Max() - blk.Min();
                for (int j = 0; j < 32; j++)
                {
                    int i = b * 32 + j;
                    Assert.True(Math.Abs(q8[i] - a[i]) <= amax / 127 * (0.5 + 127.0 / 2048) + 1e-6, $"q8_0 {i}");
                    Assert.True(Math.Abs(q40[i] - a[i]) <= amax / 8 * 1.01, $"q4_0 {i}");
                    Assert.True(Math.Abs(q41[i] - a[i]) <= range / 15 * 0.51 + 1e-3, $"q4_1 {i}");
                }
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Q4_0_OfValuesOnItsGrid_IsExact_AndNibblesAreSplitAsGgmlStoresThem()
    {
        // x_j = (j mod 16 − 8)·0.5: the largest magnitude is −4, so d = −4 / −8 = 0.5 and q_j = j mod 16 exactly.
        var x = Enumerable.Range(0, 32).Select(j => (j % 16 - 8) * 0.5f).ToArray();
        var bytes = GgmlBlocks.Encode(GgmlType.Q4_0, x, 32);
        Assert.Equal(18, bytes.Length);
        Assert.Equal((Half)0.5f, BitConverter.ToHalf(bytes, 0));
        for (int j = 0; j < 16; j++) Assert.Equal((byte)(j | (j << 4)), bytes[2 + j]); // value j low nibble, value j+16 high
        Assert.Equal(x, GgmlBlocks.Decode(GgmlType.Q4_0, bytes, 32));
    }

    [Fact]
    public void QuantizedRowsNotAMultipleOf32_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor("t", [2, 48], GgmlType.Q8_0, () => []));
        Assert.Contains("rows of 48 values cannot be stored as Q8_0", e.Message);
    }

    [Fact]
    public void NotGguf_IsInvalidData()
    {
        string path = Temp("bad");
        try
        {
            File.WriteAllText(path, "not a gguf file at all");
            Assert.False(GgufReader.HasMagic(path));
            Assert.Throws<InvalidDataException>(() => GgufReader.Open(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Opt_IsRefusedNamingTheFamiliesThatExport()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "opt"));
        var e = Assert.Throws<ArgumentException>(() => GgufExporter.Check(model));
        Assert.Equal("opt models cannot be exported as GGUF: llama.cpp has no opt architecture (GGUF export supports llama, gpt2, gpt_neox).", e.Message);
    }

    [Fact]
    public void SparseLayers_AreWrittenDense_AndSaySo()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "llama"));
        var pruned = new MLNet.Compression.Pipeline.CompressionContext(seed: 1).Pruning.Magnitude(sparsity: 0.7).Fit(model).Model;
        string path = Temp("sparse");
        try
        {
            var r = GgufExporter.Export(pruned, path);
            var sparse = r.Tensors.Where(t => t.How.StartsWith("sparse written dense", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(sparse);
            Assert.All(sparse, t => { Assert.Equal(GgmlType.F32, t.Type); Assert.Equal(0, t.MaxError); });
            var file = GgufReader.Open(path);
            var v = pruned.Linears.First(l => l.Name == "model.layers.0.self_attn.v_proj");
            Assert.Equal(v.Weight.ToDense().Data, file.ReadFloat32("blk.0.attn_v.weight"));
        }
        finally { File.Delete(path); }
    }
}
