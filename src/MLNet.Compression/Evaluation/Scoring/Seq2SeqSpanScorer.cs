using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Evaluation.Scoring;

/// <summary>
/// Seq2seq span scoring with sentinels, as T5 was pre-trained (Raffel et al. 2020, §3.1.4): the encoder reads the text
/// with <c>&lt;extra_id_0&gt;</c> where the span was; the decoder target is <c>&lt;extra_id_0&gt; span &lt;extra_id_1&gt;</c>.
/// The decoder input is the target shifted right behind decoder_start_token_id.
/// </summary>
public sealed class Seq2SeqSpanScorer
{
    private readonly DistributionRunner _runner;
    private readonly int _start, _sentinel0, _sentinel1;

    /// <summary>Creates a scorer; the model must be seq2seq and the tokenizer must know <c>&lt;extra_id_0&gt;</c> and <c>&lt;extra_id_1&gt;</c>.</summary>
    public Seq2SeqSpanScorer(LanguageModel model, Tokenizer tokenizer, DistributionRunner.Options? options = null)
    {
        if (model.Kind != ModelKind.Seq2SeqLM) throw new ArgumentException($"{model.ModelType} is a {model.Kind}, not a seq2seq LM.");
        _runner = new DistributionRunner(model, options);
        _start = model.Generation.DecoderStartTokenId ?? model.Generation.PadTokenId ?? 0;
        _sentinel0 = tokenizer.GetSentinelTokenId(0) ?? throw new ArgumentException("The tokenizer has no <extra_id_0> sentinel.");
        _sentinel1 = tokenizer.GetSentinelTokenId(1) ?? throw new ArgumentException("The tokenizer has no <extra_id_1> sentinel.");
    }

    /// <summary>The first sentinel's id.</summary>
    public int Sentinel0 => _sentinel0;

    /// <summary>
    /// The distribution of the span's first token: decoder input [start, &lt;extra_id_0&gt;], read at position 1.
    /// consume(query index, logProbs[vocab]).
    /// </summary>
    public void FirstSpanTokenLogProbs(IReadOnlyList<int[]> encoderIds, Action<int, ReadOnlySpan<float>> consume)
    {
        var queries = encoderIds.Select(e => new DistributionQuery(e, [1], [_start, _sentinel0])).ToArray();
        _runner.Run(queries, (q, _, lp) => consume(q, lp));
    }

    /// <summary>
    /// log P(span tokens [, &lt;extra_id_1&gt;] | encoder input, &lt;extra_id_0&gt;): the opening sentinel is the same for
    /// every candidate and is not counted; the closing sentinel (which says the span ends there) is counted when
    /// <paramref name="includeClosingSentinel"/>.
    /// </summary>
    public double[] SpanLogLikelihoods(IReadOnlyList<(int[] EncoderIds, int[] Span)> items, bool includeClosingSentinel = true)
    {
        var queries = new DistributionQuery[items.Count];
        var targets = new int[items.Count][];
        for (int i = 0; i < items.Count; i++)
        {
            var (enc, span) = items[i];
            int[] target = includeClosingSentinel ? [_sentinel0, .. span, _sentinel1] : [_sentinel0, .. span];
            int[] decoder = [_start, .. target[..^1]];
            // target[j] is predicted at decoder position j; skip j = 0 (the opening sentinel).
            queries[i] = new DistributionQuery(enc, Enumerable.Range(1, target.Length - 1).ToArray(), decoder);
            targets[i] = target;
        }
        var sums = new double[items.Count];
        var parts = items.Select(t => new double[t.Span.Length + (includeClosingSentinel ? 1 : 0)]).ToArray();
        _runner.Run(queries, (q, k, lp) => parts[q][k] = lp[targets[q][k + 1]]);
        for (int i = 0; i < items.Count; i++) sums[i] = parts[i].Sum();
        return sums;
    }
}
