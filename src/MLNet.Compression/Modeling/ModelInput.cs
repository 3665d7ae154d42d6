namespace MLNet.Compression.Modeling;

/// <summary>A right- or left-padded batch of token ids with its attention mask, both [batch, length] row-major.</summary>
public sealed class TokenBatch
{
    public TokenBatch(int batch, int length, int[] ids, int[]? mask = null)
    {
        if (ids.Length != batch * length) throw new ArgumentException($"{ids.Length} ids do not fill a [{batch}, {length}] batch.");
        if (mask is not null && mask.Length != ids.Length) throw new ArgumentException($"attention mask has {mask.Length} entries, ids have {ids.Length}.");
        Batch = batch;
        Length = length;
        Ids = ids;
        Mask = mask ?? Enumerable.Repeat(1, ids.Length).ToArray();
    }

    public int Batch { get; }
    public int Length { get; }

    /// <summary>[batch, length]</summary>
    public int[] Ids { get; }

    /// <summary>[batch, length], 1 for real tokens, 0 for padding.</summary>
    public int[] Mask { get; }

    public bool HasPadding => Array.IndexOf(Mask, 0) >= 0;

    /// <summary>Pads rows on the right with <paramref name="padId"/> (mask 0).</summary>
    public static TokenBatch FromRows(IReadOnlyList<int[]> rows, int padId = 0, IReadOnlyList<int[]>? masks = null)
    {
        int batch = rows.Count, length = rows.Count == 0 ? 0 : rows.Max(r => r.Length);
        var ids = new int[batch * length];
        var mask = new int[batch * length];
        Array.Fill(ids, padId);
        for (int b = 0; b < batch; b++)
        {
            rows[b].CopyTo(ids, b * length);
            for (int t = 0; t < rows[b].Length; t++) mask[b * length + t] = masks is null ? 1 : masks[b][t];
        }
        return new TokenBatch(batch, length, ids, mask);
    }

    public int[] Row(int b) => Ids.AsSpan(b * Length, Length).ToArray();
}

/// <summary>What a forward pass takes: the tokens, and where the family uses them, segment ids and decoder tokens.</summary>
public sealed record ModelInput(TokenBatch Tokens, int[]? TokenTypeIds = null, TokenBatch? Decoder = null);

/// <summary>Options of one forward pass.</summary>
public sealed class ForwardOptions
{
    public static readonly ForwardOptions Default = new();

    /// <summary>Return every hidden state (embeddings output, then each layer), as Hugging Face's output_hidden_states.</summary>
    public bool OutputHiddenStates { get; init; }

    /// <summary>
    /// Compute logits only for these flat positions (b·length + t of the tokens, or of the decoder tokens for seq2seq);
    /// the logits tensor is then [positions, vocab]. Scorers use it so the vocabulary projection runs only where it is read.
    /// </summary>
    public int[]? LogitPositions { get; init; }
}
