using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>
/// Greedy decoding as Hugging Face's generate(do_sample=False, num_beams=1) does it for one sequence, with the logits
/// processors that a config.json can switch on: min_length (EOS suppressed), no_repeat_ngram_size,
/// forced_bos_token_id (first step) and forced_eos_token_id (the last allowed step). Stops at any EOS id.
/// </summary>
public static class GreedyGenerator
{
    /// <summary>
    /// Causal LMs: the prompt followed by the generated ids. Seq2seq LMs: the decoder sequence, starting with
    /// decoder_start_token_id, as HF returns it.
    /// </summary>
    public static int[] Generate(LanguageModel model, int[] prompt, int maxNewTokens, Action<int>? onToken = null)
    {
        if (model.Kind == ModelKind.MaskedLM)
            throw new InvalidOperationException($"A {model.ModelType} masked-LM model does not generate text; use a decoder or encoder-decoder model.");
        if (prompt.Length == 0) throw new ArgumentException("Generation needs at least one input token (a BOS id for decoder models).");
        var gen = model.Generation;
        var c = model.Config;
        int minLength = c?.Int("min_length", 0) ?? 0;
        int noRepeat = c?.Int("no_repeat_ngram_size", 0) ?? 0;
        bool seq2seq = model.Kind == ModelKind.Seq2SeqLM;
        var sequence = new List<int>();
        TokenBatch? encoderInput = null;
        Seq2SeqEncoding? encoding = null;
        if (seq2seq)
        {
            encoderInput = new TokenBatch(1, prompt.Length, prompt);
            // The source does not change between steps: encode it once (same numbers as a full forward pass).
            if (model is Seq2SeqLanguageModel s2s) encoding = s2s.Encode(encoderInput);
            int start = gen.DecoderStartTokenId ?? gen.BosTokenId
                ?? throw new InvalidOperationException($"{model.ModelType}: config.json has no decoder_start_token_id.");
            sequence.Add(start);
        }
        else
        {
            sequence.AddRange(prompt);
        }
        int maxLength = sequence.Count + maxNewTokens;
        // Families with a key/value cache run the prompt (or the decoder start) once, then one new token per step, as HF's
        // generate does with past_key_values; the others recompute the whole prefix each step.
        KeyValueCache? cache = seq2seq ? null : model.CreateCache();
        Seq2SeqDecoderCache? decoderCache = encoding is not null ? ((Seq2SeqLanguageModel)model).CreateDecoderCache(encoding) : null;
        for (int step = 0; step < maxNewTokens; step++)
        {
            if (model.MaxPositions is int mp && sequence.Count >= mp && !seq2seq) break;
            int cached = cache?.Length ?? decoderCache?.Self.Length ?? 0;
            var ids = cached == 0 ? sequence.ToArray() : [sequence[^1]];
            var tokens = new TokenBatch(1, ids.Length, ids);
            var input = seq2seq ? new ModelInput(encoderInput!, Decoder: tokens) : new ModelInput(tokens);
            var options = new ForwardOptions { LogitPositions = [ids.Length - 1] };
            var output = decoderCache is not null ? ((Seq2SeqLanguageModel)model).DecodeCached(decoderCache, tokens, options)
                : encoding is not null ? ((Seq2SeqLanguageModel)model).Decode(encoding, tokens, options)
                : cache is not null ? model.ForwardCached(input, cache, options)
                : model.Forward(input, options);
            var logits = output.Logits.Span.ToArray();

            if (sequence.Count < minLength) foreach (int e in gen.EosTokenIds) if ((uint)e < (uint)logits.Length) logits[e] = float.NegativeInfinity;
            if (noRepeat > 0) BanRepeatedNgrams(sequence, noRepeat, logits);
            if (seq2seq && sequence.Count == 1 && gen.ForcedBosTokenId is int fb) Force(logits, fb);
            if (sequence.Count == maxLength - 1 && gen.ForcedEosTokenId is int fe) Force(logits, fe);

            int next = TensorOps.ArgMax(logits);
            sequence.Add(next);
            onToken?.Invoke(next);
            if (gen.EosTokenIds.Contains(next)) break;
        }
        return sequence.ToArray();
    }

    private static void Force(float[] logits, int id)
    {
        Array.Fill(logits, float.NegativeInfinity);
        logits[id] = 0;
    }

    /// <summary>NoRepeatNGramLogitsProcessor: a token that would complete an n-gram already in the sequence is banned.</summary>
    private static void BanRepeatedNgrams(List<int> seq, int n, float[] logits)
    {
        if (seq.Count + 1 < n) return;
        int prefixStart = seq.Count - (n - 1);
        for (int i = 0; i + n <= seq.Count; i++)
        {
            bool match = true;
            for (int j = 0; j < n - 1 && match; j++) match = seq[i + j] == seq[prefixStart + j];
            if (match) logits[seq[i + n - 1]] = float.NegativeInfinity;
        }
    }
}
