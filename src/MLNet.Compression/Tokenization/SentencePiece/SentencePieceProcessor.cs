using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Encodes and decodes with a SentencePiece model as the sentencepiece library does (sentencepiece_processor.cc):
/// normalize, then the unigram model's Viterbi segmentation (consecutive unknown pieces merged into one) or the BPE
/// model's merges by score (Llama), with byte fallback to <c>&lt;0xNN&gt;</c> pieces when the model has it.
/// </summary>
public sealed class SentencePieceProcessor
{
    private readonly Dictionary<string, int> _pieceToId = new(StringComparer.Ordinal);
    private readonly PieceTrie _trie;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int[] _byteIds = Enumerable.Repeat(-1, 256).ToArray();
    private readonly int _maxPieceLength;
    private readonly float _minScore, _maxScore;

    /// <summary>Creates a processor for a loaded model.</summary>
    public SentencePieceProcessor(SentencePieceModel model, string path = "<memory>")
    {
        Model = model;
        Normalizer = new SentencePieceNormalizer(model, path);
        _minScore = float.MaxValue;
        _maxScore = float.MinValue;
        for (int id = 0; id < model.Pieces.Count; id++)
        {
            var p = model.Pieces[id];
            // Normal, user-defined and unused pieces are found in text; control, unknown and byte pieces only by id.
            if (p.Type is PieceType.Normal or PieceType.UserDefined or PieceType.Unused)
            {
                if (!_pieceToId.TryAdd(p.Text, id)) throw new TokenizerLoadException(path, $"the piece '{p.Text}' appears twice (ids {_pieceToId[p.Text]} and {id}).");
                _maxPieceLength = Math.Max(_maxPieceLength, p.Text.Length);
            }
            if (p.Type == PieceType.Normal)
            {
                _minScore = Math.Min(_minScore, p.Score);
                _maxScore = Math.Max(_maxScore, p.Score);
            }
            if (p.Type == PieceType.Byte && p.Text.Length == 6 && p.Text.StartsWith("<0x", StringComparison.Ordinal) && p.Text[5] == '>'
                && int.TryParse(p.Text.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out int b))
                _byteIds[b] = id;
        }
        foreach (var (id, p) in model.Pieces.Select((p, i) => (i, p)))
            if (p.Type is PieceType.Control or PieceType.Unknown or PieceType.Byte) _reserved.TryAdd(p.Text, id);
        _lookup = _pieceToId.GetAlternateLookup<ReadOnlySpan<char>>();
        _trie = new PieceTrie(_pieceToId.Select(kv => (kv.Key, kv.Value)));
        UnkId = model.UnkId;
    }

    private readonly Dictionary<string, int> _reserved = new(StringComparer.Ordinal);

    /// <summary>The model.</summary>
    public SentencePieceModel Model { get; }

    /// <summary>The normalizer.</summary>
    public SentencePieceNormalizer Normalizer { get; }

    /// <summary>The unknown piece's id.</summary>
    public int UnkId { get; }

    /// <summary>Number of pieces.</summary>
    public int PieceCount => Model.Pieces.Count;

    /// <summary>sentencepiece's PieceToId: the id of a piece, or the unknown id.</summary>
    public int PieceToId(string piece) =>
        _reserved.TryGetValue(piece, out int r) ? r : _pieceToId.TryGetValue(piece, out int id) ? id : UnkId;

    /// <summary>Whether a piece string is in the vocabulary (any type).</summary>
    public bool Contains(string piece) => _reserved.ContainsKey(piece) || _pieceToId.ContainsKey(piece);

    /// <summary>The piece of an id, or null.</summary>
    public string? IdToPiece(int id) => (uint)id < (uint)Model.Pieces.Count ? Model.Pieces[id].Text : null;

    /// <summary>Encodes text to ids, as <c>SentencePieceProcessor.encode(text)</c>.</summary>
    public List<int> EncodeToIds(string text)
    {
        var ids = new List<int>();
        Encode(TextRules.ReplaceLoneSurrogates(text), 0, text.Length, new TokenBuffer(ids));
        return ids;
    }

    /// <summary>Encodes text[start..end), appending pieces with offsets into text.</summary>
    public void Encode(string text, int start, int end, List<EncodedToken> output)
    {
        var buffer = new TokenBuffer();
        Encode(text, start, end, buffer);
        output.AddRange(buffer.Tokens);
    }

    /// <summary>
    /// Encodes text[start..end) into <paramref name="output"/>: the precompiled character map only when it normalizes,
    /// and a word starting at each piece that begins with "▁" (SentencePiece's words are the runs between spaces).
    /// </summary>
    public void Encode(string text, int start, int end, TokenBuffer output)
    {
        int first = output.Count;
        if (end > start)
        {
            string norm = Normalizer.Normalize(text, start, end, out int[] toOrig, output.Normalize);
            if (norm.Length == 0) return;
            if (Model.ModelType == 2) EncodeBpe(norm, toOrig, output);
            else EncodeUnigram(norm, toOrig, output);
        }
        if (!output.TracksWords) return;
        for (int k = first; k < output.Count; k++)
            if (k == first || output.Tokens[k].Value.StartsWith('\u2581')) output.StartWordAt(k);
    }

    /// <summary>
    /// Viterbi over characters (sentencepiece unigram_model.cc): each vocabulary piece starting at a position is an
    /// edge scored by its log-probability; a character no piece covers gets an unknown edge scored min_score - 10.
    /// Ties keep the earlier-found path.
    /// </summary>
    private void EncodeUnigram(string s, int[] toOrig, TokenBuffer output)
    {
        const float UnkPenalty = 10f;
        float unkScore = _minScore - UnkPenalty;
        int n = s.Length;
        var bestScore = new float[n + 1];
        var bestStart = new int[n + 1];
        var bestId = new int[n + 1];
        Array.Fill(bestStart, -1);
        bestStart[0] = 0;
        var span = s.AsSpan();
        for (int pos = 0; pos < n; pos++)
        {
            if (bestStart[pos] < 0) continue;
            float baseScore = bestScore[pos];
            int charLen = char.IsHighSurrogate(s[pos]) && pos + 1 < n && char.IsLowSurrogate(s[pos + 1]) ? 2 : 1;
            bool single = false;
            int node = PieceTrie.Root;
            for (int e = pos + 1; e <= n; e++)
            {
                node = _trie.Step(node, s[e - 1]);
                if (node < 0) break;
                if (e < n && char.IsLowSurrogate(s[e]) && char.IsHighSurrogate(s[e - 1])) continue;
                int id = _trie.PieceAt(node);
                if (id < 0) continue;
                var piece = Model.Pieces[id];
                if (piece.Type == PieceType.Unused) continue;
                int chars = CountChars(span[pos..e]);
                // sentencepiece's EncodeOptimized: `IsUserDefined ? length * max_score - 0.1 : score` is a double, so the
                // candidate is summed and compared in double and stored as float; ties then break as it does.
                double score = piece.Type == PieceType.UserDefined ? chars * (double)_maxScore - 0.1 : piece.Score;
                if (e - pos == charLen) single = true;
                double total = score + baseScore;
                if (bestStart[e] < 0 || total > bestScore[e])
                {
                    bestScore[e] = (float)total;
                    bestStart[e] = pos;
                    bestId[e] = id;
                }
            }
            if (!single)
            {
                int e = pos + charLen;
                float total = baseScore + unkScore;
                if (bestStart[e] < 0 || total > bestScore[e])
                {
                    bestScore[e] = total;
                    bestStart[e] = pos;
                    bestId[e] = UnkId;
                }
            }
        }
        // Backtrack, merging runs of unknown pieces (sentencepiece merges consecutive unknowns into one piece).
        var path = new List<(int Start, int End, int Id)>();
        for (int e = n; e > 0; e = bestStart[e]) path.Add((bestStart[e], e, bestId[e]));
        path.Reverse();
        for (int i = 0; i < path.Count; i++)
        {
            var (a, b, id) = path[i];
            if (id == UnkId)
                while (i + 1 < path.Count && path[i + 1].Id == UnkId) b = path[++i].End;
            // A known piece is the vocabulary's own string; an unknown run keeps its text (only read when tokens are kept).
            string value = id != UnkId ? Model.Pieces[id].Text : output.KeepsTokens ? s[a..b] : "";
            output.Add(id, value, toOrig[a], Math.Max(toOrig[a], toOrig[b]));
        }
    }

    private static int CountChars(ReadOnlySpan<char> s)
    {
        int c = 0;
        foreach (char ch in s) if (!char.IsLowSurrogate(ch)) c++;
        return c;
    }

    /// <summary>
    /// BPE by score (sentencepiece bpe_model.cc): start from characters, repeatedly merge the adjacent pair whose
    /// concatenation is a piece with the highest score (leftmost on ties); pieces left outside the vocabulary become
    /// bytes when byte_fallback is on, else the unknown piece.
    /// </summary>
    private void EncodeBpe(string s, int[] toOrig, TokenBuffer output)
    {
        var syms = new List<(int Start, int End)>();
        for (int i = 0; i < s.Length;)
        {
            int len = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            syms.Add((i, i + len));
            i += len;
        }
        var span = s.AsSpan();
        while (syms.Count > 1)
        {
            float best = float.NegativeInfinity;
            int at = -1;
            for (int i = 0; i + 1 < syms.Count; i++)
            {
                if (syms[i + 1].End - syms[i].Start > _maxPieceLength) continue;
                if (!_lookup.TryGetValue(span[syms[i].Start..syms[i + 1].End], out int id)) continue;
                var p = Model.Pieces[id];
                if (p.Type == PieceType.Unused) continue;
                if (at < 0 || p.Score > best) { best = p.Score; at = i; }
            }
            if (at < 0) break;
            syms[at] = (syms[at].Start, syms[at + 1].End);
            syms.RemoveAt(at + 1);
        }
        Span<byte> buf = stackalloc byte[4];
        foreach (var (a, b) in syms)
        {
            int rs = toOrig[a], re = Math.Max(toOrig[a], toOrig[b]);
            if (_lookup.TryGetValue(span[a..b], out int id))
            {
                output.Add(id, Model.Pieces[id].Text, rs, re);
                continue;
            }
            if (Model.ByteFallback)
            {
                int n = Encoding.UTF8.GetBytes(span[a..b], buf);
                for (int k = 0; k < n; k++)
                {
                    int bid = _byteIds[buf[k]];
                    output.Add(bid >= 0 ? bid : UnkId, bid >= 0 ? Model.Pieces[bid].Text : Model.Pieces[UnkId].Text, rs, re);
                }
                continue;
            }
            output.Add(UnkId, output.KeepsTokens ? s[a..b] : "", rs, re);
        }
    }

    /// <summary>Decodes ids as <c>SentencePieceProcessor.decode(ids)</c>.</summary>
    public string Decode(IEnumerable<int> ids) => DecodePieces(ids.Select(id => (IdToPiece(id) ?? "", id)));

    /// <summary>Decodes piece strings as <c>SentencePieceProcessor.decode(pieces)</c> (each looked up by PieceToId).</summary>
    public string DecodePieces(IEnumerable<string> pieces) => DecodePieces(pieces.Select(p => (p, PieceToId(p))));

    /// <summary>
    /// sentencepiece's Decode: control pieces vanish, the unknown id shows as unk_surface (other unknown strings as
    /// themselves), runs of byte pieces become UTF-8 text, "▁" becomes a space, and the leading "▁" the dummy prefix
    /// added is dropped while the output is still empty.
    /// </summary>
    private string DecodePieces(IEnumerable<(string Piece, int Id)> pieces)
    {
        var sb = new StringBuilder();
        var bytes = new List<byte>();
        bool bos = true;
        void FlushBytes()
        {
            if (bytes.Count == 0) return;
            string t = Encoding.UTF8.GetString(bytes.ToArray());
            bytes.Clear();
            if (bos && t.Length > 0) bos = false;
            sb.Append(t);
        }
        foreach (var (piece, id) in pieces)
        {
            var type = (uint)id < (uint)Model.Pieces.Count ? Model.Pieces[id].Type : PieceType.Unknown;
            if (type == PieceType.Byte)
            {
                bytes.Add(Convert.ToByte(piece.Substring(3, 2), 16));
                continue;
            }
            FlushBytes();
            string surface;
            if (type == PieceType.Control) surface = "";
            else if (type == PieceType.Unknown) surface = piece == Model.Pieces[UnkId].Text ? Model.UnkSurface : piece;
            else
            {
                var p = piece.AsSpan();
                if (bos && Model.AddDummyPrefix && p.StartsWith("\u2581")) p = p[1..];
                surface = p.ToString().Replace('\u2581', ' ');
            }
            if (bos && surface.Length > 0) bos = false;
            sb.Append(surface);
        }
        FlushBytes();
        return sb.ToString();
    }
}
