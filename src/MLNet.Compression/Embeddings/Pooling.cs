using MLNet.Compression.Tensors;

namespace MLNet.Compression.Embeddings;

/// <summary>How token vectors become one sentence vector: sentence-transformers' pooling modes.</summary>
public enum PoolingMode
{
    /// <summary>The first token's vector ([CLS]).</summary>
    Cls,
    /// <summary>The element-wise maximum over real tokens.</summary>
    Max,
    /// <summary>The mean over real tokens.</summary>
    Mean,
    /// <summary>The sum over real tokens divided by √(token count).</summary>
    MeanSqrtLen,
    /// <summary>A mean weighted by position (1, 2, …, n), as SGPT's weighted mean.</summary>
    WeightedMean,
    /// <summary>The last real token's vector (decoders).</summary>
    LastToken,
}

/// <summary>
/// sentence-transformers' Pooling module (sentence_transformers/models/Pooling.py): one or more modes, concatenated in the
/// module's order (cls, max, mean, mean-sqrt-len, weighted mean, last token), over the real tokens of each row; with
/// <see cref="IncludePrompt"/> false the tokens of a prompt prefix are left out of the mean-like modes, as Pooling does by
/// zeroing their attention mask.
/// </summary>
/// <param name="Modes">the modes, at least one; concatenated in the order of <see cref="PoolingMode"/></param>
/// <param name="IncludePrompt">whether prompt tokens count (sentence-transformers' include_prompt; default true)</param>
public sealed record Pooling(IReadOnlyList<PoolingMode> Modes, bool IncludePrompt = true)
{
    /// <summary>Mean pooling, the default of sentence-transformers and of a plain encoder folder.</summary>
    public static Pooling Mean { get; } = new([PoolingMode.Mean]);

    /// <summary>Width of the pooled vector for token vectors of <paramref name="hidden"/>.</summary>
    public int Dimension(int hidden) => Modes.Count * hidden;

    /// <summary>
    /// Pools <paramref name="tokens"/> [batch, seq, hidden] under <paramref name="mask"/> [batch·seq] (1 = real token);
    /// <paramref name="promptLengths"/> holds each row's prompt tokens (after any leading special token), or null.
    /// </summary>
    /// <returns>one vector of <see cref="Dimension"/> per row</returns>
    public float[][] Pool(Tensor tokens, int[] mask, int[]? promptLengths = null)
    {
        if (Modes.Count == 0) throw new InvalidOperationException("pooling needs at least one mode.");
        int batch = tokens.Dim(0), seq = tokens.Dim(1), h = tokens.Dim(2);
        var x = tokens.ReadOnlySpan;
        var result = new float[batch][];
        var ordered = Modes.Distinct().Order().ToList();
        for (int b = 0; b < batch; b++)
        {
            var m = new int[seq];
            for (int t = 0; t < seq; t++) m[t] = mask[b * seq + t];
            // Pooling.py sets the prompt's attention mask to 0 (keeping a leading special token) when include_prompt is false;
            // cls and last-token pooling read positions and are not affected.
            if (!IncludePrompt && promptLengths is { } pl)
                for (int t = 1; t <= pl[b] && t < seq; t++) m[t] = 0;
            var v = new float[ordered.Count * h];
            for (int k = 0; k < ordered.Count; k++)
                PoolRow(ordered[k], x.Slice(b * seq * h, seq * h), m, mask.AsSpan(b * seq, seq), h, v.AsSpan(k * h, h));
            result[b] = v;
        }
        return result;
    }

    private static void PoolRow(PoolingMode mode, ReadOnlySpan<float> x, int[] m, ReadOnlySpan<int> realMask, int h, Span<float> into)
    {
        int seq = m.Length;
        switch (mode)
        {
            case PoolingMode.Cls:
                x[..h].CopyTo(into);
                return;
            case PoolingMode.LastToken:
            {
                // The last position whose mask is 1, which holds for right and left padding alike.
                int last = 0;
                for (int t = 0; t < seq; t++) if (realMask[t] != 0) last = t;
                x.Slice(last * h, h).CopyTo(into);
                return;
            }
            case PoolingMode.Max:
            {
                // Pooling.py sets masked positions to -1e9 before the max; a row of padding only would give -1e9.
                into.Fill(-1e9f);
                for (int t = 0; t < seq; t++)
                    if (m[t] != 0)
                        for (int j = 0; j < h; j++) into[j] = Math.Max(into[j], x[t * h + j]);
                return;
            }
            default:
            {
                double[] sum = new double[h];
                double weights = 0;
                for (int t = 0; t < seq; t++)
                {
                    if (m[t] == 0) continue;
                    double w = mode == PoolingMode.WeightedMean ? t + 1 : 1;
                    weights += w;
                    for (int j = 0; j < h; j++) sum[j] += w * x[t * h + j];
                }
                // Pooling.py clamps the divisor to at least 1e-9.
                double div = mode == PoolingMode.MeanSqrtLen ? Math.Sqrt(Math.Max(weights, 1e-9)) : Math.Max(weights, 1e-9);
                for (int j = 0; j < h; j++) into[j] = (float)(sum[j] / div);
                return;
            }
        }
    }

    /// <summary>Scales <paramref name="v"/> to unit L2 length (sentence-transformers' Normalize: F.normalize, eps 1e-12).</summary>
    public static void Normalize(Span<float> v)
    {
        double n = 0;
        foreach (float f in v) n += (double)f * f;
        double scale = 1 / Math.Max(Math.Sqrt(n), 1e-12);
        for (int i = 0; i < v.Length; i++) v[i] = (float)(v[i] * scale);
    }

    /// <summary>"mean", "cls", "max", "mean-sqrt-len", "weighted-mean", "last" (the CLI's --pooling).</summary>
    public static PoolingMode ParseMode(string text, string option) => text.ToLowerInvariant() switch
    {
        "mean" => PoolingMode.Mean,
        "cls" => PoolingMode.Cls,
        "max" => PoolingMode.Max,
        "mean-sqrt-len" => PoolingMode.MeanSqrtLen,
        "weighted-mean" => PoolingMode.WeightedMean,
        "last" or "last-token" => PoolingMode.LastToken,
        _ => throw new ArgumentException($"{option}: \"{text}\" is not a pooling mode (expected mean, cls, max, mean-sqrt-len, weighted-mean or last)."),
    };
}
