using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>
/// The decoder cache of T5 and BART: self-attention keys appended per step, cross-attention keys of the encoder output
/// projected once, T5's relative bias and BART's learned positions offset by the cached length. Decoding a target in
/// pieces gives the logits of one Decode over the whole target, and greedy generation with the cache gives the tokens of
/// recomputing the target at every step.
/// </summary>
public class Seq2SeqCacheTests
{
    [Theory]
    [InlineData("t5", 2)]
    [InlineData("t5_v1_1", 3)]
    [InlineData("bart", 2)]
    public void DecodeCached_InPieces_MatchesOneDecode(string arch, int split)
    {
        using var reference = new ReferenceFixture(arch);
        var model = (Seq2SeqLanguageModel)ModelLoader.Load(SharedData.Fixture("models", arch));
        var source = reference.Batch("input_ids", "attention_mask");
        var target = reference.Has("decoder_input_ids") ? reference.Batch("decoder_input_ids", "decoder_attention_mask") : source;
        var encoding = model.Encode(source);
        var whole = model.Decode(encoding, target).Logits; // [batch, len, vocab]
        int batch = target.Batch, len = target.Length, vocab = model.VocabSize;

        TokenBatch Slice(int from, int count)
        {
            var ids = new int[batch * count];
            var mask = new int[batch * count];
            for (int b = 0; b < batch; b++)
            {
                target.Ids.AsSpan(b * len + from, count).CopyTo(ids.AsSpan(b * count));
                target.Mask.AsSpan(b * len + from, count).CopyTo(mask.AsSpan(b * count));
            }
            return new TokenBatch(batch, count, ids, mask);
        }
        var cache = model.CreateDecoderCache(encoding)!;
        var pieces = new List<(int From, Tensor Logits)>();
        for (int from = 0; from < len; from += split)
        {
            int count = Math.Min(split, len - from);
            pieces.Add((from, model.DecodeCached(cache, Slice(from, count)).Logits)); // [batch, count, vocab]
        }
        Assert.Equal(len, cache.Self.Length);
        foreach (var (from, logits) in pieces)
        {
            int count = logits.Dim(1);
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < count; t++)
                {
                    if (target.Mask[b * len + from + t] == 0) continue;
                    var piece = logits.ReadOnlySpan.Slice((b * count + t) * vocab, vocab);
                    var full = whole.ReadOnlySpan.Slice((b * len + from + t) * vocab, vocab);
                    for (int i = 0; i < vocab; i++)
                        Assert.True(Math.Abs(piece[i] - full[i]) <= 1e-5 + 1e-5 * Math.Abs(full[i]), $"{arch} row {b} position {from + t} logit {i}: {piece[i]} vs {full[i]}");
                }
        }
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("bart")]
    [InlineData("t5_tiny")]
    public void Greedy_WithTheDecoderCache_EqualsRecomputingTheTargetEachStep(string arch)
    {
        var model = (Seq2SeqLanguageModel)ModelLoader.Load(SharedData.Fixture("models", arch));
        int[] source = [5, 9, 7, 3, 11, 2];
        var cached = GreedyGenerator.Generate(model, source, 16);
        var encoding = model.Encode(new TokenBatch(1, source.Length, source));
        var seq = new List<int> { cached[0] };   // the decoder start token
        while (seq.Count < cached.Length)
        {
            var logits = model.Decode(encoding, new TokenBatch(1, seq.Count, seq.ToArray()), new ForwardOptions { LogitPositions = [seq.Count - 1] }).Logits.ReadOnlySpan.ToArray();
            // The config's forced_eos_token_id (BART) decides the last allowed step, as the generator's processor does.
            bool last = seq.Count == 1 + 16 - 1;
            seq.Add(last && model.Generation.ForcedEosTokenId is int eos ? eos : TensorOps.ArgMax(logits));
        }
        Assert.True(cached.Length > 2, "the test decodes more than one step");
        Assert.Equal(seq.ToArray(), cached);
    }
}
