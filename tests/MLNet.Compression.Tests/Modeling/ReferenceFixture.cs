using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>A fixture model folder with the tensors Hugging Face produced for it (reference.safetensors / reference.json).</summary>
public sealed class ReferenceFixture : IDisposable
{
    public ReferenceFixture(string arch)
    {
        Folder = SharedData.Fixture("models", arch);
        Json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "reference.json"))).RootElement.Clone();
        Tensors = SafeTensorsFile.Open(Path.Combine(Folder, "reference.safetensors"));
    }

    public string Folder { get; }
    public JsonElement Json { get; }
    public SafeTensorsFile Tensors { get; }

    public static IEnumerable<object[]> AllArchitectures() =>
        Directory.GetDirectories(SharedData.Fixture("models")).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(a => new object[] { a! });

    public bool Has(string name) => Tensors.Contains(name);

    public Tensor Float(string name) => new(Tensors.ReadFloat32(name), Tensors.Info(name).Shape);

    public int[] Ints(string name) => Tensors.ReadInt64(name).Select(v => (int)v).ToArray();

    public int[] Shape(string name) => Tensors.Info(name).Shape;

    public TokenBatch Batch(string ids, string mask)
    {
        var shape = Shape(ids);
        return new TokenBatch(shape[0], shape[1], Ints(ids), Has(mask) ? Ints(mask) : null);
    }

    public ModelInput Input()
    {
        var tokens = Batch("input_ids", "attention_mask");
        int[]? types = Has("token_type_ids") ? Ints("token_type_ids") : null;
        TokenBatch? decoder = Has("decoder_input_ids") ? Batch("decoder_input_ids", "decoder_attention_mask") : null;
        return new ModelInput(tokens, types, decoder);
    }

    public void Dispose() => Tensors.Dispose();
}

public static class TensorAssert
{
    /// <summary>
    /// |actual − expected| ≤ atol + rtol·|expected| at every element whose row (b, t) has mask 1. Fails with the worst element and the max difference.
    /// </summary>
    public static double CloseAtMask(string what, Tensor expected, Tensor actual, int[]? mask, double atol = 1e-4, double rtol = 1e-4)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected} but got {actual}.");
        int inner = expected.Dim(-1);
        var e = expected.ReadOnlySpan;
        var a = actual.ReadOnlySpan;
        double maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < e.Length; i++)
        {
            int row = i / inner;
            if (mask is not null && mask[row] == 0) continue;
            double d = Math.Abs((double)a[i] - e[i]);
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            if (d > maxDiff) maxDiff = d;
            if (d > atol + rtol * Math.Abs(e[i]) && worst < 0) worst = i;
        }
        Assert.True(worst < 0, $"{what}: element {worst} (row {worst / inner}, col {worst % inner}) expected {e[Math.Max(worst, 0)]} got {a[Math.Max(worst, 0)]}; max |diff| {maxDiff:E3}.");
        return maxDiff;
    }
}
