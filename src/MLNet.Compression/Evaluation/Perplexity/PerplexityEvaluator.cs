using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Evaluation.Perplexity;

/// <summary>One window of the sliding-window loop: tokens [Begin, End), of which the last NPredicted are scored.</summary>
public sealed record PerplexityWindow(int Begin, int End, int NPredicted, double SumNll)
{
    /// <summary>The window's mean NLL (what Hugging Face's loss returns for it).</summary>
    public double MeanNll => NPredicted == 0 ? 0 : SumNll / NPredicted;
}

/// <summary>Perplexity over a token stream, with every window kept for audit.</summary>
public sealed record PerplexityResult(IReadOnlyList<PerplexityWindow> Windows)
{
    /// <summary>Predicted tokens over all windows.</summary>
    public int NTokens => Windows.Sum(w => w.NPredicted);

    /// <summary>Σ NLL / Σ predicted tokens (natural log).</summary>
    public double MeanNll => NTokens == 0 ? double.NaN : Windows.Sum(w => w.SumNll) / NTokens;

    /// <summary>exp(token-weighted mean NLL): the guide's current definition.</summary>
    public double Perplexity => Math.Exp(MeanNll);

    /// <summary>exp(mean over windows of the window mean NLL): the transformers v4.36-era guide's torch.exp(torch.stack(nlls).mean()).</summary>
    public double WindowMeanPerplexity => Math.Exp(Windows.Where(w => w.NPredicted > 0).Average(w => w.MeanNll));
}

/// <summary>
/// Perplexity of a causal LM with a sliding window, as the transformers guide "Perplexity of fixed-length models" computes
/// it: windows start every <see cref="Options.Stride"/> tokens and hold up to <see cref="Options.MaxLength"/>; only the
/// tokens not scored by the previous window are targets (labels of the overlap are -100), and a window's first token,
/// having no context, is never predicted. With stride = max length the windows do not overlap.
/// </summary>
public sealed class PerplexityEvaluator
{
    /// <summary>Window settings.</summary>
    public sealed class Options
    {
        /// <summary>Tokens per window; null takes the model's maximum positions, or 1024 where it has none.</summary>
        public int? MaxLength { get; init; }

        /// <summary>Tokens between window starts; null means equal to the max length (no overlap).</summary>
        public int? Stride { get; init; }

        /// <summary>Windows per forward pass. Default 8.</summary>
        public int BatchSize { get; init; } = 8;
    }

    private readonly LanguageModel _model;
    private readonly Options _options;

    /// <summary>Creates an evaluator for a causal LM.</summary>
    public PerplexityEvaluator(LanguageModel model, Options? options = null)
    {
        if (model.Kind != ModelKind.CausalLM) throw new ArgumentException($"Perplexity needs a causal LM; {model.ModelType} is a {model.Kind}.");
        _model = model;
        _options = options ?? new Options();
    }

    /// <summary>The windows the guide's loop visits: (begin, end, number of targets).</summary>
    public static IReadOnlyList<(int Begin, int End, int Targets)> Windows(int seqLen, int maxLength, int stride)
    {
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), "max length must be at least 2.");
        if (stride < 1 || stride > maxLength) throw new ArgumentOutOfRangeException(nameof(stride), $"stride must be between 1 and the max length {maxLength}.");
        var list = new List<(int, int, int)>();
        int prevEnd = 0;
        for (int begin = 0; begin < seqLen; begin += stride)
        {
            int end = Math.Min(begin + maxLength, seqLen);
            int trg = end - prevEnd;           // labels[:, :-trg_len] = -100
            int len = end - begin;
            // Position t of the window is a target iff t >= len - trg and t >= 1 (the loss shifts labels left by one).
            int targets = len - Math.Max(len - trg, 1);
            list.Add((begin, end, Math.Max(targets, 0)));
            prevEnd = end;
            if (end == seqLen) break;
        }
        return list;
    }

    /// <summary>Scores <paramref name="ids"/> window by window.</summary>
    public PerplexityResult Evaluate(IReadOnlyList<int> ids)
    {
        if (ids.Count < 2) throw new ArgumentException($"The text has {ids.Count} token(s); perplexity needs at least 2.");
        var (maxLength, stride) = Resolve(_model, _options);
        var windows = Windows(ids.Count, maxLength, stride);
        var queries = Queries(ids, windows);
        var sums = new double[windows.Count];
        var parts = windows.Select(w => new double[w.Targets]).ToArray();
        var runner = new DistributionRunner(_model, new DistributionRunner.Options { BatchSize = _options.BatchSize });
        runner.Run(queries, (q, k, lp) =>
        {
            var (begin, end, _) = windows[q];
            int p = queries[q].Positions[k];
            parts[q][k] = -lp[ids[begin + p + 1]];
        });
        return new PerplexityResult(windows.Select((w, i) => new PerplexityWindow(w.Begin, w.End, w.Targets, parts[i].Sum())).ToArray());
    }

    internal static (int MaxLength, int Stride) Resolve(LanguageModel model, Options options)
    {
        int maxLength = options.MaxLength ?? model.MaxPositions ?? 1024;
        return (maxLength, options.Stride ?? maxLength);
    }

    /// <summary>Window i as a query: its tokens, and the positions whose next token is a target ([len - targets - 1, len - 1)).</summary>
    internal static DistributionQuery[] Queries(IReadOnlyList<int> ids, IReadOnlyList<(int Begin, int End, int Targets)> windows)
        => windows.Select(w =>
        {
            int len = w.End - w.Begin;
            var tokens = new int[len];
            for (int t = 0; t < len; t++) tokens[t] = ids[w.Begin + t];
            return new DistributionQuery(tokens, Enumerable.Range(len - 1 - w.Targets, w.Targets).ToArray());
        }).ToArray();
}
