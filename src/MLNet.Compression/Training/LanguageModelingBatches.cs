using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// Builds training batches from tokenised rows (each already with its special tokens): rows are drawn with the
/// trainer's <see cref="TrainingRandom"/>, truncated or right-padded to a fixed length, and labelled for a masked LM
/// (<see cref="MaskedLm"/>) or a causal LM (<see cref="CausalLm"/>).
/// </summary>
public sealed class LanguageModelingBatches
{
    /// <summary>Masking settings of Hugging Face's DataCollatorForLanguageModeling (BERT, Devlin et al. 2019 §3.1).</summary>
    public sealed class Options
    {
        /// <summary>Rows per batch. Default 16.</summary>
        public int BatchSize { get; set; } = 16;

        /// <summary>Tokens per row (longer rows are truncated, shorter ones padded). Default 64.</summary>
        public int SequenceLength { get; set; } = 64;

        /// <summary>Chance that a non-special token is selected for prediction. Default 0.15.</summary>
        public double MaskProbability { get; set; } = 0.15;

        /// <summary>Of the selected tokens, the share replaced by the mask token. Default 0.8.</summary>
        public double MaskTokenShare { get; set; } = 0.8;

        /// <summary>Of the selected tokens, the share replaced by a random token (the rest are kept). Default 0.1.</summary>
        public double RandomTokenShare { get; set; } = 0.1;
    }

    private readonly IReadOnlyList<int[]> _rows;
    private readonly int _padId;
    private readonly Options _options;

    /// <param name="rows">Token ids of each training row.</param>
    /// <param name="padTokenId">Filler for short rows (masked out of attention and loss).</param>
    public LanguageModelingBatches(IReadOnlyList<int[]> rows, int padTokenId, Options? options = null)
    {
        if (rows.Count == 0) throw new ArgumentException("LanguageModelingBatches needs at least one row of tokens.", nameof(rows));
        _rows = rows;
        _padId = padTokenId;
        _options = options ?? new Options();
        if (_options.BatchSize <= 0 || _options.SequenceLength <= 0)
            throw new ArgumentException($"Batch size {_options.BatchSize} and sequence length {_options.SequenceLength} must be positive.");
        if (_options.MaskTokenShare + _options.RandomTokenShare > 1)
            throw new ArgumentException("MaskTokenShare + RandomTokenShare must not exceed 1.");
    }

    /// <summary>
    /// A causal-LM batch: labels are the input ids at real tokens and −100 at padding (the model shifts them).
    /// </summary>
    public TrainingBatch CausalLm(TrainingRandom rng)
    {
        var (ids, mask) = Draw(rng);
        var labels = new int[ids.Length];
        for (int i = 0; i < ids.Length; i++) labels[i] = mask[i] != 0 ? ids[i] : Tape.IgnoreIndex;
        return new TrainingBatch { Batch = _options.BatchSize, Length = _options.SequenceLength, InputIds = ids, AttentionMask = mask, Labels = labels };
    }

    /// <summary>
    /// A masked-LM batch as DataCollatorForLanguageModeling.torch_mask_tokens: each real, non-special token is selected
    /// with probability <see cref="Options.MaskProbability"/>; selected tokens get their id as label (others −100) and
    /// are replaced by the mask token (80%), a uniformly random id of the vocabulary (10%), or kept (10%).
    /// Special tokens and padding are never selected.
    /// </summary>
    public TrainingBatch MaskedLm(TrainingRandom rng, int maskTokenId, int vocabSize, IReadOnlySet<int> specialIds)
    {
        var (ids, mask) = Draw(rng);
        var labels = new int[ids.Length];
        Array.Fill(labels, Tape.IgnoreIndex);
        var o = _options;
        // The conditional chance of "random" among the non-mask-token selections: 0.1 / (1 − 0.8) = 0.5 by default.
        double randomGivenNotMask = o.MaskTokenShare < 1 ? o.RandomTokenShare / (1 - o.MaskTokenShare) : 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (mask[i] == 0 || specialIds.Contains(ids[i])) continue;
            if (rng.NextDouble() >= o.MaskProbability) continue;
            labels[i] = ids[i];
            if (rng.NextDouble() < o.MaskTokenShare) ids[i] = maskTokenId;
            else if (rng.NextDouble() < randomGivenNotMask) ids[i] = rng.NextInt(vocabSize);
        }
        return new TrainingBatch { Batch = o.BatchSize, Length = o.SequenceLength, InputIds = ids, AttentionMask = mask, Labels = labels };
    }

    /// <summary>BatchSize rows drawn uniformly with replacement: ids and attention mask, [batch·length] each.</summary>
    private (int[] Ids, int[] Mask) Draw(TrainingRandom rng)
    {
        int b = _options.BatchSize, len = _options.SequenceLength;
        var ids = new int[b * len];
        var mask = new int[b * len];
        Array.Fill(ids, _padId);
        for (int r = 0; r < b; r++)
        {
            var row = _rows[rng.NextInt(_rows.Count)];
            int n = Math.Min(len, row.Length);
            row.AsSpan(0, n).CopyTo(ids.AsSpan(r * len, n));
            mask.AsSpan(r * len, n).Fill(1);
        }
        return (ids, mask);
    }
}
