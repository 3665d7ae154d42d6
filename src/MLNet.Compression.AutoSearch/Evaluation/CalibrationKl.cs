using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// KL(dense ‖ model) of the predictive distributions at fixed positions of the calibration text: for a masked LM, every
/// fourth token of each line masked in turn (one mask per query, so masks do not interact) and predicted; for a causal
/// LM, the next token at every position. The dense model's log-probabilities are computed once and kept, so measuring a
/// compressed model is one pass over the same queries. Thousands of positions over the whole vocabulary give a smooth,
/// low-noise measure of how much a compression disturbs the model — the cheap proxy the sensitivity pass uses when
/// there is calibration text (the layer-output view of HAWQ's loss curvature, measured rather than estimated).
/// </summary>
public sealed class CalibrationKl
{
    private readonly IReadOnlyList<DistributionQuery> _queries;
    private readonly float[][] _dense; // [query·position] → log-probabilities over the vocabulary
    private readonly int[] _offsets;   // first row of each query in _dense
    private readonly int _pad;

    private CalibrationKl(IReadOnlyList<DistributionQuery> queries, float[][] dense, int[] offsets, int pad)
        => (_queries, _dense, _offsets, _pad) = (queries, dense, offsets, pad);

    /// <summary>Positions measured.</summary>
    public int Positions => _dense.Length;

    /// <summary>
    /// The proxy over the dataset's calibration text, keeping at most <paramref name="maxFloats"/> floats of dense
    /// log-probabilities (positions beyond that are dropped); null without calibration text or for a seq2seq model.
    /// </summary>
    public static CalibrationKl? Create(SearchDataset data, long maxFloats = 24L << 20)
    {
        if (data.Options.CalibrationFile is not { } file || data.Dense.Kind == ModelKind.Seq2SeqLM) return null;
        var dense = data.Dense;
        int vocab = Math.Max(1, dense.VocabSize), maxRows = (int)Math.Max(1, Math.Min(int.MaxValue, maxFloats / vocab));
        int maxLen = Math.Min(128, dense.MaxPositions ?? 128);
        var queries = new List<DistributionQuery>();
        int rows = 0;
        foreach (var line in File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l)).Take(data.Options.CalibrationSamples))
        {
            if (dense.Kind == ModelKind.MaskedLM)
            {
                int mask = data.Tokenizer.MaskTokenId ?? throw new InvalidOperationException("a masked LM's tokenizer has no mask token.");
                var ids = data.Tokenizer.EncodeToIds(line.Trim(), maxLen, addSpecialTokens: true).ToArray();
                var special = data.Tokenizer.AllSpecialIds;
                for (int p = 0; p < ids.Length && rows < maxRows; p++)
                {
                    if (special.Contains(ids[p]) || (p + queries.Count) % 4 != 0) continue;
                    var masked = (int[])ids.Clone();
                    masked[p] = mask;
                    queries.Add(new DistributionQuery(masked, [p]));
                    rows++;
                }
            }
            else
            {
                var ids = new List<int>();
                if (data.Tokenizer.EosTokenId is int eos) ids.Add(eos);
                ids.AddRange(data.Tokenizer.EncodeToIds(line.Trim(), addSpecialTokens: false));
                if (ids.Count > maxLen) ids.RemoveRange(maxLen, ids.Count - maxLen);
                int take = Math.Min(ids.Count - 1, maxRows - rows);
                if (take <= 0) continue;
                queries.Add(new DistributionQuery(ids.ToArray(), Enumerable.Range(0, take).ToArray()));
                rows += take;
            }
            if (rows >= maxRows) break;
        }
        if (rows == 0) return null;
        var offsets = new int[queries.Count];
        for (int i = 1; i < queries.Count; i++) offsets[i] = offsets[i - 1] + queries[i - 1].Positions.Length;
        var lp = new float[rows][];
        int pad = data.Tokenizer.PadTokenId ?? dense.Generation.PadTokenId ?? 0;
        new DistributionRunner(dense, new DistributionRunner.Options { PadId = pad }).Run(queries, (q, k, logProbs) => lp[offsets[q] + k] = logProbs.ToArray());
        return new CalibrationKl(queries, lp, offsets, pad);
    }

    /// <summary>Mean KL(dense ‖ <paramref name="model"/>) in nats over the positions.</summary>
    public double Measure(LanguageModel model)
    {
        var kl = new double[_dense.Length];
        new DistributionRunner(model, new DistributionRunner.Options { PadId = _pad }).Run(_queries, (q, k, logProbs) =>
        {
            var p = _dense[_offsets[q] + k];
            double sum = 0;
            for (int v = 0; v < p.Length; v++)
            {
                double lpDense = p[v];
                if (lpDense < -30) continue; // probability below 1e-13: no measurable contribution
                sum += Math.Exp(lpDense) * (lpDense - logProbs[v]);
            }
            kl[_offsets[q] + k] = Math.Max(0, sum);
        });
        return kl.Average();
    }
}
