namespace MLNet.Compression.Training;

/// <summary>
/// One batch of token rows for a training step, in Hugging Face's conventions: labels are −100 where no loss is
/// taken; for a causal LM they are the unshifted input ids (the model predicts labels[t + 1] from position t),
/// for a masked LM the original ids at the masked positions.
/// </summary>
public sealed record TrainingBatch
{
    /// <summary>Rows in the batch.</summary>
    public required int Batch { get; init; }

    /// <summary>Tokens per row.</summary>
    public required int Length { get; init; }

    /// <summary>[batch·length] token ids.</summary>
    public required int[] InputIds { get; init; }

    /// <summary>[batch·length], 1 = real token, 0 = padding.</summary>
    public required int[] AttentionMask { get; init; }

    /// <summary>[batch·length] segment ids (BERT); null means all zero.</summary>
    public int[]? TokenTypeIds { get; init; }

    /// <summary>[batch·length] targets, −100 where ignored ([batch·<see cref="LabelLength"/>] for a seq2seq LM).</summary>
    public required int[] Labels { get; init; }

    /// <summary>
    /// Decoder tokens per row for a seq2seq LM, whose labels are the decoder's targets and may be longer or shorter than
    /// the source; defaults to <see cref="Length"/>.
    /// </summary>
    public int LabelLength
    {
        get => _labelLength ?? Length;
        init => _labelLength = value;
    }

    private readonly int? _labelLength;

    /// <summary>Tokens that carry a loss term after the model's own shift (what "training tokens" counts).</summary>
    public int LossTokens(bool causal)
    {
        int n = 0;
        for (int b = 0; b < Batch; b++)
            for (int t = causal ? 1 : 0; t < Length; t++)
                if (Labels[b * Length + t] != Tensors.Autograd.Tape.IgnoreIndex) n++;
        return n;
    }

    /// <summary>Checks the arrays against Batch and Length, naming the one that is off.</summary>
    public void Validate()
    {
        int n = Batch * Length;
        if (Batch <= 0 || Length <= 0) throw new ArgumentException($"TrainingBatch: batch {Batch} and length {Length} must be positive.");
        if (InputIds.Length != n) throw new ArgumentException($"TrainingBatch: InputIds has {InputIds.Length} ids, expected {Batch}×{Length} = {n}.");
        if (AttentionMask.Length != n) throw new ArgumentException($"TrainingBatch: AttentionMask has {AttentionMask.Length} entries, expected {n}.");
        if (Labels.Length != Batch * LabelLength) throw new ArgumentException($"TrainingBatch: Labels has {Labels.Length} entries, expected {Batch}×{LabelLength} = {Batch * LabelLength}.");
        if (TokenTypeIds is not null && TokenTypeIds.Length != n) throw new ArgumentException($"TrainingBatch: TokenTypeIds has {TokenTypeIds.Length} entries, expected {n}.");
    }
}
