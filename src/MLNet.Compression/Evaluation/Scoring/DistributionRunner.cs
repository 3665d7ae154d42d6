using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Evaluation.Scoring;

/// <summary>
/// One query of <see cref="DistributionRunner"/>: a token sequence and the positions whose next-token (causal), masked-token
/// (masked LM) or decoder (seq2seq) distribution is wanted. <paramref name="Decoder"/> is the decoder input of a seq2seq
/// model; positions then index it.
/// </summary>
public sealed record DistributionQuery(int[] Ids, int[] Positions, int[]? Decoder = null);

/// <summary>
/// Runs many sequences through a model in as few forward passes as memory allows and hands back the log-softmax
/// distribution at each requested position. Sequences are sorted by length and batched (right-padded, attention mask 0
/// on padding), and the LM head is computed only at the requested rows (<see cref="ForwardOptions.LogitPositions"/>).
/// Every metric (LAMA, CrowS-Pairs, StereoSet, perplexity) is built on this one loop.
/// </summary>
public sealed class DistributionRunner
{
    /// <summary>Batching settings.</summary>
    public sealed class Options
    {
        /// <summary>Most sequences per forward pass. Default 32 (LAMA's batch size).</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>
        /// Most logit rows × vocabulary floats held at once; a batch is cut earlier when it would exceed it.
        /// Default 32 M floats (128 MiB), e.g. 640 rows of GPT-2's 50,257 ids.
        /// </summary>
        public long MaxLogitFloats { get; init; } = 32L << 20;

        /// <summary>Id used for padding; null takes the model's pad_token_id, else 0.</summary>
        public int? PadId { get; init; }
    }

    private readonly LanguageModel _model;
    private readonly Options _options;

    /// <summary>Creates a runner over <paramref name="model"/>.</summary>
    public DistributionRunner(LanguageModel model, Options? options = null)
    {
        _model = model;
        _options = options ?? new Options();
        if (_options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
    }

    /// <summary>The model being run.</summary>
    public LanguageModel Model => _model;

    /// <summary>
    /// Calls <paramref name="consume"/>(query index, k, log-probabilities over the vocabulary) for the k-th position of
    /// every query. Calls for different queries may run on different threads at once; the span is valid only during the call.
    /// </summary>
    public void Run(IReadOnlyList<DistributionQuery> queries, Action<int, int, ReadOnlySpan<float>> consume, Action<int>? progress = null)
    {
        bool seq2seq = _model.Kind == ModelKind.Seq2SeqLM;
        for (int i = 0; i < queries.Count; i++)
        {
            var q = queries[i];
            int len = seq2seq ? (q.Decoder ?? throw new ArgumentException($"query {i}: a seq2seq model needs decoder ids.")).Length : q.Ids.Length;
            if (q.Ids.Length == 0) throw new ArgumentException($"query {i} has no tokens.");
            foreach (int p in q.Positions)
                if ((uint)p >= (uint)len) throw new ArgumentOutOfRangeException(nameof(queries), $"query {i}: position {p} is outside its {len} tokens.");
        }
        // Sort by length so each batch pads little (LAMA's batchify sorts too); a stable sort keeps file order within a length.
        var order = Enumerable.Range(0, queries.Count)
            .OrderBy(i => seq2seq ? queries[i].Decoder!.Length : queries[i].Ids.Length).ThenBy(i => queries[i].Ids.Length).ToArray();
        int pad = _options.PadId ?? _model.Generation.PadTokenId ?? 0;
        long vocab = Math.Max(1, _model.VocabSize);
        int start = 0, done = 0;
        while (start < order.Length)
        {
            int end = start;
            long rows = 0;
            while (end < order.Length && end - start < _options.BatchSize)
            {
                long r = queries[order[end]].Positions.Length;
                if (end > start && (rows + r) * vocab > _options.MaxLogitFloats) break;
                rows += r;
                end++;
            }
            RunBatch(queries, order.AsSpan(start, end - start).ToArray(), pad, seq2seq, consume);
            done += end - start;
            progress?.Invoke(done);
            start = end;
        }
    }

    private void RunBatch(IReadOnlyList<DistributionQuery> queries, int[] members, int pad, bool seq2seq, Action<int, int, ReadOnlySpan<float>> consume)
    {
        var tokens = TokenBatch.FromRows(members.Select(i => queries[i].Ids).ToArray(), pad);
        TokenBatch? decoder = seq2seq ? TokenBatch.FromRows(members.Select(i => queries[i].Decoder!).ToArray(), pad) : null;
        int rowLength = seq2seq ? decoder!.Length : tokens.Length;
        var flat = new List<int>();
        var owner = new List<(int Query, int K)>();
        for (int b = 0; b < members.Length; b++)
        {
            var positions = queries[members[b]].Positions;
            for (int k = 0; k < positions.Length; k++)
            {
                flat.Add(b * rowLength + positions[k]);
                owner.Add((members[b], k));
            }
        }
        if (flat.Count == 0) return;
        var output = _model.Forward(new ModelInput(tokens, null, decoder), new ForwardOptions { LogitPositions = flat.ToArray() });
        Tensor logits = output.Logits; // [rows, vocab]
        int v = logits.Dim(-1);
        // Log-softmax and the consumer (ranking over the vocabulary) are independent per row: spread them over the cores.
        Parallel.For(0, owner.Count, () => new float[v], (r, _, buffer) =>
        {
            TensorOps.LogSoftmaxRow(logits.ReadOnlySpan.Slice(r * v, v), buffer);
            consume(owner[r].Query, owner[r].K, buffer);
            return buffer;
        }, _ => { });
    }
}
