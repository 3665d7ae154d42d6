using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Export.Gguf;

/// <summary>
/// The tokenizer.ggml.* metadata of a model's tokenizer (gguf-py constants.py Keys.Tokenizer; llama-vocab.cpp load):
/// SentencePiece vocabularies (a tokenizer.model, or llama2.c's tokenizer.bin whose pieces carry ' ' for '▁') as model
/// "llama" with tokens, scores and token types; byte-level BPE (vocab.json + merges.txt) as model "gpt2" with tokens,
/// merges and token types and pre-tokenizer "gpt-2". Without a tokenizer llama.cpp's "no_vocab" model is written with
/// &lt;arch&gt;.vocab_size, so the file still runs on token ids.
/// </summary>
internal static class GgufVocabulary
{
    // llama.h enum llama_token_type.
    private const int Normal = 1, Unknown = 2, Control = 3, Unused = 5, Byte = 6;

    /// <summary>Adds the tokenizer keys; returns one line saying what was embedded.</summary>
    public static string Add(GgufWriter w, string arch, Tokenizer? tokenizer, int vocabSize, GenerationIds ids)
    {
        switch (tokenizer)
        {
            case Llama2CTokenizer t:
                {
                    var tokens = new string[t.VocabularySize];
                    var types = new int[tokens.Length];
                    for (int i = 0; i < tokens.Length; i++)
                    {
                        string piece = t.IdToToken(i)!;
                        // llama2.c's tokenizer.py exported SentencePiece pieces with '▁' (U+2581) replaced by ' '; llama.cpp's
                        // SPM tokenizer escapes spaces as '▁' again, so the pieces go back to their SentencePiece form.
                        tokens[i] = piece.Replace(' ', '\u2581');
                        types[i] = i == 0 ? Unknown : i is Llama2CTokenizer.BosId or Llama2CTokenizer.EosId ? Control
                            : IsByteToken(piece) ? Byte : Normal;
                    }
                    return Spm(w, arch, tokens, t.Scores.ToArray(), types, vocabSize, unk: 0, bos: Llama2CTokenizer.BosId, eos: Llama2CTokenizer.EosId, pad: null, "llama2.c tokenizer");
                }
            case SentencePieceTokenizer { Processor.Model: var m } t when m.ModelType is 1 or 2 && t is LlamaTokenizer:
                {
                    var tokens = m.Pieces.Select(p => p.Text).ToArray();
                    var scores = m.Pieces.Select(p => p.Score).ToArray();
                    var types = m.Pieces.Select(p => (int)p.Type).ToArray(); // sentencepiece_model.proto Type: the same numbers as llama_token_type
                    return Spm(w, arch, tokens, scores, types, vocabSize, unk: m.UnkId, bos: t.BosTokenId, eos: t.EosTokenId, pad: t.PadTokenId, "SentencePiece tokenizer.model");
                }
            case Gpt2Tokenizer t when t.SourceFolder is { } folder && File.Exists(Path.Combine(folder, "merges.txt")) && !t.Settings.RobertaStyle:
                {
                    int n = t.VocabularySize;
                    if (n > vocabSize) return NoVocab(w, arch, vocabSize, $"its tokenizer has {n} tokens, more than the model's {vocabSize} embeddings");
                    var tokens = new string[vocabSize];
                    var types = new int[vocabSize];
                    var special = t.AllSpecialIds;
                    for (int i = 0; i < vocabSize; i++)
                    {
                        tokens[i] = i < n ? t.IdToToken(i) ?? $"[PAD{i}]" : $"[PAD{i}]";
                        types[i] = i >= n ? Unused : special.Contains(i) ? Control : Normal;
                    }
                    // merges.txt: "#version" header, then one "a b" merge per line, rank order (what tokenizer.ggml.merges holds).
                    var merges = File.ReadLines(Path.Combine(folder, "merges.txt"))
                        .Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToArray();
                    w.AddString("tokenizer.ggml.model", "gpt2");
                    w.AddString("tokenizer.ggml.pre", "gpt-2");
                    w.AddStringArray("tokenizer.ggml.tokens", tokens);
                    w.AddInt32Array("tokenizer.ggml.token_type", types);
                    w.AddStringArray("tokenizer.ggml.merges", merges);
                    SpecialIds(w, ids.Bos ?? t.BosTokenId, ids.Eos ?? t.EosTokenId, t.UnkTokenId, ids.Pad ?? t.PadTokenId, vocabSize);
                    w.AddBool("tokenizer.ggml.add_bos_token", t.Settings.AddBosToken);
                    return $"tokenizer: byte-level BPE ({n} tokens, {merges.Length} merges) as tokenizer.ggml.model gpt2";
                }
            case null:
                return NoVocab(w, arch, vocabSize, "the model folder has no tokenizer");
            default:
                return NoVocab(w, arch, vocabSize, $"its {tokenizer.GetType().Name} has no GGUF form here (SentencePiece tokenizer.model, llama2.c tokenizer.bin and GPT-2 vocab.json + merges.txt do)");
        }
    }

    private static string Spm(GgufWriter w, string arch, string[] tokens, float[] scores, int[] types, int vocabSize, int? unk, int? bos, int? eos, int? pad, string what)
    {
        if (tokens.Length > vocabSize) return NoVocab(w, arch, vocabSize, $"its tokenizer has {tokens.Length} tokens, more than the model's {vocabSize} embeddings");
        var dup = tokens.GroupBy(t => t, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        // llama.cpp maps token text to id and asserts every text is distinct (llama-vocab.cpp, id_to_token vs token_to_id).
        if (dup is not null) return NoVocab(w, arch, vocabSize, $"its tokenizer holds the piece '{dup.Key}' twice, which llama.cpp refuses");
        int n = tokens.Length;
        // Embedding rows beyond the tokenizer are padding, listed as unused "[PAD{i}]" tokens as convert_hf_to_gguf.py does.
        var allTokens = tokens.Concat(Enumerable.Range(n, vocabSize - n).Select(i => $"[PAD{i}]")).ToArray();
        var allScores = scores.Concat(Enumerable.Repeat(-1000f, vocabSize - n)).ToArray();
        var allTypes = types.Concat(Enumerable.Repeat(Unused, vocabSize - n)).ToArray();
        w.AddString("tokenizer.ggml.model", "llama");
        w.AddStringArray("tokenizer.ggml.tokens", allTokens);
        w.AddFloat32Array("tokenizer.ggml.scores", allScores);
        w.AddInt32Array("tokenizer.ggml.token_type", allTypes);
        SpecialIds(w, bos, eos, unk, pad, vocabSize);
        w.AddBool("tokenizer.ggml.add_bos_token", true);
        w.AddBool("tokenizer.ggml.add_eos_token", false);
        return $"tokenizer: {what} ({n} pieces) as tokenizer.ggml.model llama";
    }

    private static void SpecialIds(GgufWriter w, int? bos, int? eos, int? unk, int? pad, int vocabSize)
    {
        void Id(string key, int? id) { if (id is int i && i >= 0 && i < vocabSize) w.AddUInt32(key, (uint)i); }
        Id("tokenizer.ggml.bos_token_id", bos);
        Id("tokenizer.ggml.eos_token_id", eos);
        Id("tokenizer.ggml.unknown_token_id", unk);
        Id("tokenizer.ggml.padding_token_id", pad);
    }

    private static string NoVocab(GgufWriter w, string arch, int vocabSize, string why)
    {
        // <arch>.vocab_size, which no_vocab needs for its token count, is written with the hyperparameters.
        w.AddString("tokenizer.ggml.model", "no_vocab");
        return $"tokenizer: none embedded ({why}); tokenizer.ggml.model no_vocab with {arch}.vocab_size {vocabSize}: llama.cpp runs it on token ids only";
    }

    private static bool IsByteToken(string piece)
        => piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>' && Uri.IsHexDigit(piece[3]) && Uri.IsHexDigit(piece[4]);
}

/// <summary>The special ids the model's config gives (bos/eos/pad), which win over the tokenizer's.</summary>
internal readonly record struct GenerationIds(int? Bos, int? Eos, int? Pad);
