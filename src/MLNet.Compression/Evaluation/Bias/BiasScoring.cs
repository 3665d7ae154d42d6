using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>One masked-LM question: <paramref name="Ids"/> (mask already in place) and the token expected at <paramref name="Position"/>.</summary>
public readonly record struct MaskedQuery(int[] Ids, int Position, int Target);

/// <summary>
/// The two likelihood primitives the bias metrics are built from, batched so that a whole data set runs in few forward
/// passes: inputs are grouped by exact length (no padding, so each row sees exactly the computation the reference's
/// batch-size-1 loop does) and the vocabulary projection runs only at the rows that are read (ForwardOptions.LogitPositions).
/// </summary>
public static class BiasScoring
{
    /// <summary>log_softmax(logits at Position)[Target] for every query, as float32 (torch's F.log_softmax(...).item()).</summary>
    public static float[] MaskedLogProbs(LanguageModel model, IReadOnlyList<MaskedQuery> queries, int batchSize = 32, Action<int>? advance = null)
    {
        if (model.Kind != ModelKind.MaskedLM) throw new InvalidOperationException($"{model.ModelType} is not a masked language model.");
        var result = new float[queries.Count];
        foreach (var chunk in ByLength(queries.Count, i => queries[i].Ids.Length, batchSize))
        {
            int len = queries[chunk[0]].Ids.Length;
            var ids = new int[chunk.Length * len];                        // [batch, len]
            var positions = new int[chunk.Length];
            for (int b = 0; b < chunk.Length; b++)
            {
                queries[chunk[b]].Ids.CopyTo(ids, b * len);
                positions[b] = b * len + queries[chunk[b]].Position;
            }
            var logits = model.Forward(new ModelInput(new TokenBatch(chunk.Length, len, ids)), new ForwardOptions { LogitPositions = positions }).Logits; // [batch, vocab]
            int vocab = logits.Dim(-1);
            var row = new float[vocab];
            for (int b = 0; b < chunk.Length; b++)
            {
                TensorOps.LogSoftmaxRow(logits.ReadOnlySpan.Slice(b * vocab, vocab), row);
                result[chunk[b]] = row[queries[chunk[b]].Target];
            }
            advance?.Invoke(chunk.Length);
        }
        return result;
    }

    /// <summary>
    /// Causal LM: for each sequence, the probability (float32, as torch.softmax(...).item()) of every token from
    /// <c>firstScored[i]</c> on, given the tokens before it. Token 0, when scored, is predicted from <paramref name="startIds"/>
    /// (the unconditional start, "&lt;|endoftext|&gt;" for GPT-2) at its first position, as bias-bench does.
    /// </summary>
    public static float[][] CausalTokenProbs(LanguageModel model, IReadOnlyList<int[]> sequences, int[] startIds, IReadOnlyList<int>? firstScored = null,
                                             int batchSize = 32, Action<int>? advance = null)
    {
        if (model.Kind != ModelKind.CausalLM) throw new InvalidOperationException($"{model.ModelType} is not a causal language model.");
        var result = new float[sequences.Count][];
        float[]? start = null;
        if (firstScored is null || firstScored.Any(f => f == 0))
        {
            if (startIds.Length == 0) throw new ArgumentException("the unconditional start token encodes to no ids.");
            var logits0 = model.Forward(new ModelInput(new TokenBatch(1, startIds.Length, startIds)), new ForwardOptions { LogitPositions = [0] }).Logits; // [1, vocab]
            start = new float[logits0.Dim(-1)];
            TensorOps.LogSoftmaxRow(logits0.ReadOnlySpan, start);
        }
        foreach (var chunk in ByLength(sequences.Count, i => sequences[i].Length, batchSize))
        {
            int len = sequences[chunk[0]].Length;
            if (len == 0) throw new ArgumentException("a sentence encodes to no tokens.");
            var ids = new int[chunk.Length * len];                        // [batch, len]
            var positions = new List<int>();
            for (int b = 0; b < chunk.Length; b++)
            {
                sequences[chunk[b]].CopyTo(ids, b * len);
                int from = Math.Max(1, firstScored?[chunk[b]] ?? 0);
                for (int t = from; t < len; t++) positions.Add(b * len + t - 1);
            }
            Tensor? logits = positions.Count == 0 ? null
                : model.Forward(new ModelInput(new TokenBatch(chunk.Length, len, ids)), new ForwardOptions { LogitPositions = positions.ToArray() }).Logits; // [positions, vocab]
            int vocab = logits?.Dim(-1) ?? 0;
            var row = new float[vocab];
            int k = 0;
            for (int b = 0; b < chunk.Length; b++)
            {
                var seq = sequences[chunk[b]];
                int first = firstScored?[chunk[b]] ?? 0;
                var probs = new float[len - first];
                if (first == 0) probs[0] = (float)Math.Exp(start![seq[0]]);
                for (int t = Math.Max(1, first); t < len; t++, k++)
                {
                    TensorOps.LogSoftmaxRow(logits!.ReadOnlySpan.Slice(k * vocab, vocab), row);
                    probs[t - first] = (float)Math.Exp(row[seq[t]]);
                }
                result[chunk[b]] = probs;
            }
            advance?.Invoke(chunk.Length);
        }
        return result;
    }

    /// <summary>bias-bench's sentence score: 2 ** mean(log2 p), the geometric mean of the token probabilities (float64).</summary>
    public static double GeometricMean(ReadOnlySpan<float> probs)
    {
        double sum = 0;
        foreach (float p in probs) sum += Math.Log2(p);
        return Math.Pow(2, sum / probs.Length);
    }

    /// <summary>Indices grouped by length (longest first, so the slowest batches start early), cut into chunks.</summary>
    internal static IEnumerable<int[]> ByLength(int count, Func<int, int> length, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1.");
        foreach (var group in Enumerable.Range(0, count).GroupBy(length).OrderByDescending(g => g.Key))
            foreach (var chunk in group.Chunk(batchSize)) yield return chunk;
    }
}
