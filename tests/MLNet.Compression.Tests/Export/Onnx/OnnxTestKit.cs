using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.Compression.Export.Onnx;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Export.Onnx;

/// <summary>Exports a model to a temporary folder and runs it in ONNX Runtime (CPU provider), the runtime users deploy on.</summary>
internal sealed class OnnxTestKit : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "onnx-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string Folder(string name) => Path.Combine(_root, name);

    public static LanguageModel Fixture(string name) => ModelLoader.Load(SharedData.Fixture("models", name));

    /// <summary>Exports <paramref name="model"/> and opens a session on it.</summary>
    public (InferenceSession Session, OnnxExportReport Report) Export(LanguageModel model, string name, OnnxExportOptions? options = null)
    {
        var report = OnnxExporter.Export(model, Folder(name), options: options);
        var so = new SessionOptions { IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        return (new InferenceSession(Path.Combine(Folder(name), OnnxExporter.ModelFileName), so), report);
    }

    /// <summary>An int64 input [dims].</summary>
    public static NamedOnnxValue Longs(string name, int[] values, params int[] dims)
        => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values.Select(v => (long)v).ToArray(), dims));

    public static NamedOnnxValue Floats(string name, float[] values, params int[] dims)
        => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values, dims));

    /// <summary>Runs the session and returns every output as (values, shape) by name.</summary>
    public static Dictionary<string, (float[] Values, int[] Shape)> Run(InferenceSession session, IReadOnlyCollection<NamedOnnxValue> inputs)
    {
        using var results = session.Run(inputs);
        return results.ToDictionary(r => r.Name, r =>
        {
            var t = r.AsTensor<float>();
            return (t.ToArray(), t.Dimensions.ToArray());
        });
    }

    /// <summary>Batch 2: the first row full, the second right-padded by <paramref name="padding"/> tokens (id <paramref name="padId"/>, mask 0).</summary>
    public static TokenBatch PaddedBatch(int vocab, int length, int padding, int padId, int seed)
    {
        var rng = new Random(seed);
        var ids = new int[2 * length];
        var mask = new int[2 * length];
        for (int i = 0; i < ids.Length; i++)
        {
            bool pad = i >= 2 * length - padding;
            ids[i] = pad ? padId : rng.Next(3, vocab);
            if (!pad && ids[i] == padId) ids[i] = padId + 1;
            mask[i] = pad ? 0 : 1;
        }
        return new TokenBatch(2, length, ids, mask);
    }

    /// <summary>The largest |a − b|, asserting equal lengths.</summary>
    public static float MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        float d = MaxDiff(expected, actual);
        Assert.True(d <= tolerance, $"{what}: max |engine − ORT| = {d:G4} > {tolerance:G4}");
    }

    public void Dispose()
    {
        try { if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
