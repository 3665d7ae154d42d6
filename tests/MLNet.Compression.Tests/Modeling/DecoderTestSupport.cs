using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>A model folder in the temp directory: config.json and random weights written with SafeTensorsWriter.</summary>
internal sealed class TempModel : IDisposable
{
    private TempModel(string path) => Path = path;

    public string Path { get; }

    /// <summary>Weights ~ U(−0.5, 0.5); norm weights 1 + 0.1·U so the activations keep a sensible scale.</summary>
    public static TempModel Write(string configJson, IEnumerable<(string Key, int[] Shape)> tensors, int seed = 7)
    {
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnet-model-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(System.IO.Path.Combine(dir, "config.json"), configJson);
        var rng = new Random(seed);
        var writer = new SafeTensorsWriter();
        foreach (var (key, shape) in tensors)
        {
            var data = new float[shape.Aggregate(1, (a, d) => a * d)];
            bool norm = key.EndsWith(".weight", StringComparison.Ordinal) && (key.Contains("norm") || key.Contains(".ln_"));
            for (int i = 0; i < data.Length; i++)
                data[i] = norm ? 1f + 0.1f * (float)(rng.NextDouble() - 0.5) : (float)(rng.NextDouble() - 0.5);
            writer.Add(key, data, shape);
        }
        writer.Save(System.IO.Path.Combine(dir, "model.safetensors"));
        return new TempModel(dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Checks that running a sequence through the key/value cache in two steps gives what one full forward gives.</summary>
internal static class CausalCacheCheck
{
    public static void PiecesMatchWhole(LanguageModel model, ModelInput input, int split)
    {
        var tokens = input.Tokens;
        int batch = tokens.Batch, len = tokens.Length, vocab = model.VocabSize;
        var whole = model.Forward(input).Logits; // [batch, len, vocab]
        var cache = model.CreateCache();
        Assert.NotNull(cache);
        TokenBatch Slice(int from, int count)
        {
            var ids = new int[batch * count];
            var mask = new int[batch * count];
            for (int b = 0; b < batch; b++)
            {
                tokens.Ids.AsSpan(b * len + from, count).CopyTo(ids.AsSpan(b * count));
                tokens.Mask.AsSpan(b * len + from, count).CopyTo(mask.AsSpan(b * count));
            }
            return new TokenBatch(batch, count, ids, mask);
        }
        var first = model.ForwardCached(new ModelInput(Slice(0, split)), cache!).Logits;   // [batch, split, vocab]
        var second = model.ForwardCached(new ModelInput(Slice(split, len - split)), cache!).Logits; // [batch, len − split, vocab]
        Assert.Equal(len, cache!.Length);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < len; t++)
            {
                if (tokens.Mask[b * len + t] == 0) continue;
                var piece = t < split ? first.ReadOnlySpan.Slice((b * split + t) * vocab, vocab)
                    : second.ReadOnlySpan.Slice((b * (len - split) + t - split) * vocab, vocab);
                var full = whole.ReadOnlySpan.Slice((b * len + t) * vocab, vocab);
                for (int i = 0; i < vocab; i++)
                    Assert.True(Math.Abs(piece[i] - full[i]) <= 1e-5 + 1e-5 * Math.Abs(full[i]), $"row {b} position {t} logit {i}: {piece[i]} vs {full[i]}");
            }
    }
}
