using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// The tokenizer of Karpathy's llama2.c (run.c <c>encode</c>/<c>decode</c>) reading its tokenizer.bin format
/// (int32 max_token_length, then per token: float32 score, int32 byte length, bytes). Encoding: optional BOS (id 1),
/// a dummy-prefix space token when the text is not empty, one token per UTF-8 character where the vocabulary has it,
/// otherwise one byte-fallback token per byte (id = byte + 3), then repeatedly merge the adjacent pair whose
/// concatenation has the best score. Decoding drops the leading space of the piece after BOS and turns
/// <c>&lt;0xNN&gt;</c> pieces into bytes.
/// </summary>
public sealed class Llama2CTokenizer : Tokenizer
{
    private readonly string[] _vocab;
    private readonly float[] _scores;
    private readonly byte[][] _bytes;
    private readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _alt;

    /// <summary>The BOS id (1 in llama2.c).</summary>
    public const int BosId = 1;

    /// <summary>The EOS id (2 in llama2.c).</summary>
    public const int EosId = 2;

    /// <summary>Offset of byte-fallback ids: byte b is id b + 3.</summary>
    public const int ByteOffset = 3;

    /// <summary>Creates the tokenizer from pieces (as raw bytes) and scores.</summary>
    public Llama2CTokenizer(IReadOnlyList<byte[]> pieces, IReadOnlyList<float> scores, int maxTokenLength)
    {
        _bytes = pieces.ToArray();
        _scores = scores.ToArray();
        _vocab = _bytes.Select(b => Encoding.UTF8.GetString(b)).ToArray();
        for (int i = 0; i < _vocab.Length; i++) _lookup.TryAdd(_vocab[i], i);
        _alt = _lookup.GetAlternateLookup<ReadOnlySpan<char>>();
        MaxTokenLength = maxTokenLength;
        SpecialTokens = new SpecialTokens
        {
            Unk = _vocab.Length > 0 ? _vocab[0] : null,
            Bos = _vocab.Length > BosId ? _vocab[BosId] : null,
            Eos = _vocab.Length > EosId ? _vocab[EosId] : null,
        };
        if (_vocab.Length > BosId)
        {
            var bos = TemplatePostProcessor.Piece.Special(_vocab[BosId], BosId);
            PostProcessor = new TemplatePostProcessor([bos, TemplatePostProcessor.Piece.Seq('A')],
                [bos, TemplatePostProcessor.Piece.Seq('A'), bos, TemplatePostProcessor.Piece.Seq('B')]);
        }
        CleanUpTokenizationSpaces = false;
    }

    /// <summary>Reads a llama2.c tokenizer file (tok512.bin, tokenizer.bin); every token up to the end of the file.</summary>
    public static Llama2CTokenizer FromFile(string path, int? vocabSize = null)
    {
        if (!File.Exists(path)) throw new TokenizerLoadException(path, "the file does not exist.");
        var data = File.ReadAllBytes(path);
        if (data.Length < 4) throw new TokenizerLoadException(path, "the file is too short to hold the int32 max_token_length header.");
        int maxLen = BitConverter.ToInt32(data, 0);
        if (maxLen <= 0 || maxLen > 1 << 16) throw new TokenizerLoadException(path, $"max_token_length {maxLen} is not plausible (is this a llama2.c tokenizer file?).");
        var pieces = new List<byte[]>();
        var scores = new List<float>();
        int pos = 4;
        while (pos < data.Length && (vocabSize is null || pieces.Count < vocabSize))
        {
            if (pos + 8 > data.Length) throw new TokenizerLoadException(path, $"token {pieces.Count} is truncated (needs a float32 score and an int32 length at byte {pos}).");
            float score = BitConverter.ToSingle(data, pos);
            int len = BitConverter.ToInt32(data, pos + 4);
            pos += 8;
            if (len < 0 || len > maxLen || pos + len > data.Length)
                throw new TokenizerLoadException(path, $"token {pieces.Count} has length {len}, beyond max_token_length {maxLen} or the end of the file.");
            pieces.Add(data.AsSpan(pos, len).ToArray());
            scores.Add(score);
            pos += len;
        }
        if (pieces.Count <= EosId) throw new TokenizerLoadException(path, $"the file holds {pieces.Count} tokens; llama2.c needs at least <unk>, <s>, </s>.");
        if (vocabSize is not null && pieces.Count < vocabSize) throw new TokenizerLoadException(path, $"the file holds {pieces.Count} tokens, fewer than the model's vocab_size {vocabSize}.");
        return new Llama2CTokenizer(pieces, scores, maxLen);
    }

    /// <summary>The longest token in bytes (file header).</summary>
    public int MaxTokenLength { get; }

    /// <summary>Token scores.</summary>
    public IReadOnlyList<float> Scores => _scores;

    /// <inheritdoc />
    public override int VocabularySize => _vocab.Length;

    /// <inheritdoc />
    public override int? TokenToId(string token) => _lookup.TryGetValue(token, out int id) ? id : null;

    /// <inheritdoc />
    public override string? IdToToken(int id) => (uint)id < (uint)_vocab.Length ? _vocab[id] : null;

    /// <inheritdoc />
    protected override void EncodeCore(string text, TokenBuffer output)
    {
        // llama2.c also runs the merge loop over BOS; "\n<s>\n" + piece is never a piece, so leaving BOS to the
        // post-processor gives the same ids. A NUL ends a C string in llama2.c; here it is simply byte 0 (id 3).
        var ids = new List<int>();
        var starts = new List<int>();
        var ends = new List<int>();
        if (_lookup.TryGetValue(" ", out int space))
        {
            ids.Add(space);
            starts.Add(0);
            ends.Add(0);
        }
        Span<byte> buf = stackalloc byte[4];
        for (int i = 0; i < text.Length;)
        {
            int cp = TextRules.CodePointAt(text, i, out int len);
            if (cp is >= 0xD800 and <= 0xDFFF) cp = 0xFFFD;
            if (_alt.TryGetValue(text.AsSpan(i, len), out int id))
            {
                ids.Add(id);
                starts.Add(i);
                ends.Add(i + len);
            }
            else
            {
                int n = new Rune(cp).EncodeToUtf8(buf);
                for (int k = 0; k < n; k++)
                {
                    ids.Add(buf[k] + ByteOffset);
                    starts.Add(i);
                    ends.Add(i + len);
                }
            }
            i += len;
        }
        var sb = new StringBuilder();
        while (ids.Count > 1)
        {
            float best = -1e10f;
            int bestId = -1, bestIdx = -1;
            for (int i = 0; i + 1 < ids.Count; i++)
            {
                sb.Clear();
                sb.Append(Piece(ids[i])).Append(Piece(ids[i + 1]));
                if (sb.Length > MaxTokenLength * 2) continue;
                if (_lookup.TryGetValue(sb.ToString(), out int id) && _scores[id] > best)
                {
                    best = _scores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx < 0) break;
            ids[bestIdx] = bestId;
            ends[bestIdx] = ends[bestIdx + 1];
            ids.RemoveAt(bestIdx + 1);
            starts.RemoveAt(bestIdx + 1);
            ends.RemoveAt(bestIdx + 1);
        }
        for (int i = 0; i < ids.Count; i++)
        {
            // The merges run over the whole text; its words are the pieces that begin with a space.
            string piece = Piece(ids[i]);
            if (i == 0 || piece.StartsWith(' ')) output.StartWord();
            output.Add(ids[i], piece, starts[i], ends[i]);
        }
    }

    private string Piece(int id) => (uint)id < (uint)_vocab.Length ? _vocab[id] : "";

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens, bool? cleanUpTokenizationSpaces)
    {
        var bytes = new List<byte>();
        int prev = -1;
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_vocab.Length) { prev = id; continue; }
            if (skipSpecialTokens && id is 0 or BosId or EosId) { prev = id; continue; }
            var piece = _bytes[id].AsSpan();
            if (prev == BosId && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            if (piece.Length == 6 && piece.StartsWith("<0x"u8) && piece[5] == (byte)'>'
                && byte.TryParse(Encoding.ASCII.GetString(piece.Slice(3, 2)), System.Globalization.NumberStyles.HexNumber, null, out byte b))
                bytes.Add(b);
            else bytes.AddRange(piece.ToArray());
            prev = id;
        }
        string text = Encoding.UTF8.GetString(bytes.ToArray());
        return cleanUpTokenizationSpaces ?? CleanUpTokenizationSpaces ? CleanUpTokenization(text) : text;
    }
}
