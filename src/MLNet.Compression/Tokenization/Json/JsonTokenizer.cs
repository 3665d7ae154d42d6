using System.Text.Json;
using System.Text.RegularExpressions;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// A Hugging Face fast-tokenizer file (tokenizer.json, the format of the Rust <c>tokenizers</c> library and all that
/// Pythia/GPT-NeoX and many recent checkpoints ship): added tokens split first, then normalizer → pre-tokenizer →
/// model (WordPiece, BPE or Unigram) → post-processor, and decoder for the way back.
/// </summary>
public sealed class JsonTokenizer : Tokenizer
{
    private readonly Dictionary<string, int> _vocab;
    private readonly string?[] _idToToken;
    private readonly Dictionary<int, AddedToken> _added = new();
    private readonly Dictionary<string, AddedToken> _addedByContent = new(StringComparer.Ordinal);
    private readonly AddedTokenMatcher _matcher;
    private readonly Action<NormalizedText>? _normalizer;
    private readonly JsonPreTokenizers.PreTokenizer? _preTokenizer;
    private readonly JsonPreTokenizers.PreTokenizer? _preTokenizerWithoutSplits;
    private readonly JsonDecoders.Decoder? _decoder;
    private readonly ModelKind _kind;
    private readonly WordPieceModel? _wordPiece;
    private readonly BpeModel? _bpe;
    private readonly SentencePieceProcessor? _unigram;
    private readonly int? _unkId;
    private readonly bool _fuseUnk;

    private enum ModelKind { WordPiece, Bpe, Unigram }

    /// <summary>The model type named in the file (WordPiece, BPE, Unigram).</summary>
    public string ModelType => _kind switch { ModelKind.WordPiece => "WordPiece", ModelKind.Bpe => "BPE", _ => "Unigram" };

    private JsonTokenizer(JsonElement root, string path, TokenizerConfig? cfg)
    {
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new TokenizerLoadException(path, "there is no \"model\" object.");
        string type = Str(model, "type") ?? (model.TryGetProperty("merges", out _) ? "BPE" : model.TryGetProperty("vocab", out var v0) && v0.ValueKind == JsonValueKind.Array ? "Unigram" : "WordPiece");
        _vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        switch (type)
        {
            case "WordPiece":
            {
                _kind = ModelKind.WordPiece;
                ReadVocabObject(model, path);
                string unk = Str(model, "unk_token") ?? "[UNK]";
                _wordPiece = new WordPieceModel(_vocab, unk, Str(model, "continuing_subword_prefix") ?? "##",
                    model.TryGetProperty("max_input_chars_per_word", out var mx) && mx.ValueKind == JsonValueKind.Number ? mx.GetInt32() : 100);
                _unkId = _vocab.TryGetValue(unk, out int u) ? u : null;
                break;
            }
            case "BPE":
            {
                _kind = ModelKind.Bpe;
                ReadVocabObject(model, path);
                var merges = new List<(string, string)>();
                if (model.TryGetProperty("merges", out var m) && m.ValueKind == JsonValueKind.Array)
                {
                    int i = 0;
                    foreach (var x in m.EnumerateArray())
                    {
                        i++;
                        if (x.ValueKind == JsonValueKind.String)
                        {
                            var s = x.GetString()!;
                            int sp = s.IndexOf(' ');
                            if (sp <= 0) throw new TokenizerLoadException(path, $"merge {i} '{s}' is not two symbols separated by a space.");
                            merges.Add((s[..sp], s[(sp + 1)..]));
                        }
                        else if (x.ValueKind == JsonValueKind.Array && x.GetArrayLength() == 2)
                            merges.Add((x[0].GetString() ?? "", x[1].GetString() ?? ""));
                        else throw new TokenizerLoadException(path, $"merge {i} is neither \"a b\" nor [\"a\", \"b\"].");
                    }
                }
                string? unk = Str(model, "unk_token");
                _bpe = new BpeModel(_vocab, merges, unk, Str(model, "continuing_subword_prefix"), Str(model, "end_of_word_suffix"))
                {
                    ByteFallback = Bool(model, "byte_fallback", false),
                };
                _fuseUnk = Bool(model, "fuse_unk", false);
                _unkId = unk is not null && _vocab.TryGetValue(unk, out int u) ? u : null;
                break;
            }
            case "Unigram":
            {
                _kind = ModelKind.Unigram;
                if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Array)
                    throw new TokenizerLoadException(path, "the Unigram model has no \"vocab\" array of [piece, score].");
                var sp = new SentencePieceModel { AddDummyPrefix = false, RemoveExtraWhitespaces = false, EscapeWhitespaces = false };
                int unkId = model.TryGetProperty("unk_id", out var uid) && uid.ValueKind == JsonValueKind.Number ? uid.GetInt32() : -1;
                int id = 0;
                foreach (var pair in vocab.EnumerateArray())
                {
                    if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() < 2)
                        throw new TokenizerLoadException(path, $"Unigram vocab entry {id} is not [piece, score].");
                    string piece = pair[0].GetString() ?? "";
                    sp.Pieces.Add(new SentencePieceModel.Piece(piece, (float)pair[1].GetDouble(), id == unkId ? PieceType.Unknown : PieceType.Normal));
                    _vocab.TryAdd(piece, id);
                    id++;
                }
                if (unkId < 0 || unkId >= sp.Pieces.Count) throw new TokenizerLoadException(path, "the Unigram model's unk_id is missing or out of range.");
                sp.UnkId = unkId;
                sp.ByteFallback = Bool(model, "byte_fallback", false);
                _unigram = new SentencePieceProcessor(sp, path);
                _unkId = unkId;
                break;
            }
            default:
                throw new TokenizerLoadException(path, $"model type '{type}' is not supported (WordPiece, BPE, Unigram are).");
        }

        int size = _vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1;
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in added.EnumerateArray())
            {
                var t = new AddedToken(Str(a, "content") ?? "", a.GetProperty("id").GetInt32(), Bool(a, "special", false),
                    Bool(a, "lstrip", false), Bool(a, "rstrip", false), Bool(a, "normalized", true));
                _added[t.Id] = t;
                _addedByContent[t.Content] = t;
                size = Math.Max(size, t.Id + 1);
            }
        }
        _idToToken = new string?[size];
        foreach (var (t, i) in _vocab) _idToToken[i] = t;
        foreach (var (i, t) in _added) _idToToken[i] = t.Content;
        _matcher = new AddedTokenMatcher(_added.Values);

        _normalizer = root.TryGetProperty("normalizer", out var n) ? JsonNormalizers.Parse(n, path) : null;
        _preTokenizer = root.TryGetProperty("pre_tokenizer", out var pt) ? JsonPreTokenizers.Parse(pt, path, out _) : null;
        _preTokenizerWithoutSplits = _preTokenizer is null ? null : JsonPreTokenizers.Parse(pt, path, out _, splits: false);
        _decoder = root.TryGetProperty("decoder", out var d) ? JsonDecoders.Parse(d, path) : null;
        PostProcessor = root.TryGetProperty("post_processor", out var pp) ? ParsePostProcessor(pp, path) : TemplatePostProcessor.None;

        var specials = cfg?.SpecialTokens(GuessSpecials()) ?? GuessSpecials();
        SpecialTokens = specials;
    }

    private SpecialTokens GuessSpecials()
    {
        string? Has(params string[] names) => names.FirstOrDefault(x => _addedByContent.ContainsKey(x) || _vocab.ContainsKey(x));
        return new SpecialTokens
        {
            Bos = Has("<s>", "<|endoftext|>", "[CLS]"),
            Eos = Has("</s>", "<|endoftext|>", "[SEP]"),
            Unk = Has("[UNK]", "<unk>", "<|endoftext|>"),
            Sep = Has("[SEP]"),
            Pad = Has("[PAD]", "<pad>"),
            Cls = Has("[CLS]"),
            Mask = Has("[MASK]", "<mask>"),
            Additional = _added.Values.Where(a => a.Special && a.Content.StartsWith("<extra_id_", StringComparison.Ordinal)).Select(a => a.Content).ToList(),
        };
    }

    /// <summary>Loads tokenizer.json; <paramref name="config"/> (tokenizer_config.json etc.) names the special tokens.</summary>
    public static JsonTokenizer FromFile(string path, TokenizerConfig? config = null)
    {
        string text = VocabularyFile.ReadText(path);
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new TokenizerLoadException(path, "expected a JSON object.");
            return new JsonTokenizer(doc.RootElement, path, config);
        }
        catch (JsonException e) { throw new TokenizerLoadException(path, "the file is not valid JSON: " + e.Message, e); }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TokenizerLoadException(path, "the file does not have the tokenizer.json layout: " + e.Message, e);
        }
    }

    private void ReadVocabObject(JsonElement model, string path)
    {
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw new TokenizerLoadException(path, "the model has no \"vocab\" object of token → id.");
        foreach (var p in vocab.EnumerateObject())
        {
            if (!p.Value.TryGetInt32(out int id) || id < 0) throw new TokenizerLoadException(path, $"the id of '{p.Name}' is not a non-negative integer.");
            _vocab[p.Name] = id;
        }
    }

    private TemplatePostProcessor ParsePostProcessor(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) return TemplatePostProcessor.None;
        string type = Str(e, "type") ?? "";
        TemplatePostProcessor.Piece Tok(JsonElement arr, int typeId = 0) =>
            TemplatePostProcessor.Piece.Special(arr[0].GetString()!, arr[1].GetInt32(), typeId);
        switch (type)
        {
            case "BertProcessing":
            {
                var cls = Tok(e.GetProperty("cls"));
                var sep = Tok(e.GetProperty("sep"));
                return new TemplatePostProcessor([cls, TemplatePostProcessor.Piece.Seq('A'), sep],
                    [cls, TemplatePostProcessor.Piece.Seq('A'), sep, TemplatePostProcessor.Piece.Seq('B', 1), sep with { TypeId = 1 }]);
            }
            case "RobertaProcessing":
            {
                var cls = Tok(e.GetProperty("cls"));
                var sep = Tok(e.GetProperty("sep"));
                return new TemplatePostProcessor([cls, TemplatePostProcessor.Piece.Seq('A'), sep],
                    [cls, TemplatePostProcessor.Piece.Seq('A'), sep, sep, TemplatePostProcessor.Piece.Seq('B'), sep]);
            }
            case "TemplateProcessing":
            {
                var ids = new Dictionary<string, int>(StringComparer.Ordinal);
                if (e.TryGetProperty("special_tokens", out var st) && st.ValueKind == JsonValueKind.Object)
                    foreach (var p in st.EnumerateObject())
                    {
                        var idsArr = p.Value.GetProperty("ids");
                        if (idsArr.GetArrayLength() != 1) throw new TokenizerLoadException(path, $"special token '{p.Name}' of the template maps to {idsArr.GetArrayLength()} ids; only one is supported.");
                        ids[p.Name] = idsArr[0].GetInt32();
                    }
                List<TemplatePostProcessor.Piece> Parse(JsonElement items)
                {
                    var list = new List<TemplatePostProcessor.Piece>();
                    foreach (var it in items.EnumerateArray())
                    {
                        if (it.TryGetProperty("Sequence", out var s))
                            list.Add(TemplatePostProcessor.Piece.Seq(Str(s, "id") == "B" ? 'B' : 'A', s.GetProperty("type_id").GetInt32()));
                        else if (it.TryGetProperty("SpecialToken", out var sp))
                        {
                            string tid = Str(sp, "id")!;
                            int id = ids.TryGetValue(tid, out int x) ? x : _vocab.TryGetValue(tid, out int y) ? y : _addedByContent.TryGetValue(tid, out var at) ? at.Id
                                : throw new TokenizerLoadException(path, $"template special token '{tid}' has no id.");
                            list.Add(TemplatePostProcessor.Piece.Special(tid, id, sp.GetProperty("type_id").GetInt32()));
                        }
                    }
                    return list;
                }
                return new TemplatePostProcessor(Parse(e.GetProperty("single")), Parse(e.GetProperty("pair")));
            }
            case "Sequence":
                foreach (var p in e.GetProperty("processors").EnumerateArray())
                    if (Str(p, "type") is "TemplateProcessing" or "BertProcessing" or "RobertaProcessing") return ParsePostProcessor(p, path);
                return TemplatePostProcessor.None;
            case "ByteLevel":
                return TemplatePostProcessor.None;
            default:
                throw new TokenizerLoadException(path, $"post-processor type '{type}' is not supported.");
        }
    }

    /// <inheritdoc />
    public override int VocabularySize => _idToToken.Length;

    /// <inheritdoc />
    public override int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var a) ? a.Id : _vocab.TryGetValue(token, out int id) ? id : null;

    /// <inheritdoc />
    public override string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <inheritdoc />
    protected override void EncodeCore(string text, TokenBuffer output)
    {
        if (_matcher.IsEmpty)
        {
            EncodeSegment(text, 0, text.Length, output);
            return;
        }
        foreach (var seg in _matcher.Split(text))
        {
            if (seg.Token is { } t)
            {
                output.StartWord();
                output.Add(t.Id, t.Content, seg.Start, seg.End);
            }
            else EncodeSegment(text, seg.Start, seg.End, output);
        }
    }

    private void EncodeSegment(string text, int start, int end, TokenBuffer output)
    {
        var nt = NormalizedText.FromOriginal(text, start, end);
        if (output.Normalize) _normalizer?.Invoke(nt);
        if (nt.Length == 0) return;
        var pieces = new List<NormalizedText> { nt };
        (output.PreTokenize ? _preTokenizer : _preTokenizerWithoutSplits)?.Invoke(pieces);
        foreach (var p in pieces)
        {
            if (p.Length == 0) continue;
            output.StartWord();
            switch (_kind)
            {
                case ModelKind.WordPiece:
                    _wordPiece!.Tokenize(p.Text, p.Starts, p.Ends, output);
                    break;
                case ModelKind.Unigram:
                {
                    var local = new List<EncodedToken>();
                    _unigram!.Encode(p.Text, 0, p.Length, local);
                    foreach (var t in local)
                    {
                        var r = Map(p, t.Start, t.End);
                        output.Add(t.Id, t.Value, r.Start.Value, r.End.Value);
                    }
                    break;
                }
                default:
                    EncodeBpe(p, output);
                    break;
            }
        }
    }

    private static Range Map(NormalizedText p, int a, int b) =>
        new(p.Starts[Math.Min(a, p.Length - 1)], b > a ? p.Ends[b - 1] : p.Starts[Math.Min(a, p.Length - 1)]);

    private void EncodeBpe(NormalizedText p, TokenBuffer output)
    {
        int pos = 0;
        bool lastUnk = false;
        foreach (var piece in _bpe!.Merge(p.Text))
        {
            int len = piece.Length - (_bpe.ContinuingSubwordPrefix is { } pre && pos > 0 && piece.StartsWith(pre, StringComparison.Ordinal) ? pre.Length : 0)
                      - (_bpe.EndOfWordSuffix is { } suf && piece.EndsWith(suf, StringComparison.Ordinal) ? suf.Length : 0);
            var range = Map(p, pos, pos + len);
            pos += len;
            if (_vocab.TryGetValue(piece, out int id)) { output.Add(id, piece, range.Start.Value, range.End.Value); lastUnk = false; continue; }
            if (_bpe.ByteFallback)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(piece);
                bool all = bytes.All(b => _vocab.ContainsKey($"<0x{b:X2}>"));
                if (all)
                {
                    foreach (var b in bytes) output.Add(_vocab[$"<0x{b:X2}>"], $"<0x{b:X2}>", range.Start.Value, range.End.Value);
                    lastUnk = false;
                    continue;
                }
            }
            if (_unkId is int u)
            {
                if (_fuseUnk && lastUnk) output.ExtendLast(range.End.Value);
                else output.Add(u, _idToToken[u]!, range.Start.Value, range.End.Value);
                lastUnk = true;
            }
        }
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens, bool? cleanUpTokenizationSpaces)
    {
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && _added.TryGetValue(id, out var a) && a.Special) continue;
            if (IdToToken(id) is { } t) tokens.Add(t);
        }
        string text = _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder(tokens));
        return cleanUpTokenizationSpaces ?? CleanUpTokenizationSpaces ? CleanUpTokenization(text) : text;
    }

    internal static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static bool Bool(JsonElement e, string name, bool def) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : def;

    /// <summary>A tokenizers pattern: {"String": "..."} or {"Regex": "..."}.</summary>
    internal static (Regex? Regex, string? Literal) Pattern(JsonElement e, string path)
    {
        if (!e.TryGetProperty("pattern", out var p)) return (null, null);
        if (Str(p, "String") is { } s) return (null, s);
        if (Str(p, "Regex") is { } r)
        {
            try { return (new Regex(r, RegexOptions.CultureInvariant), null); }
            catch (ArgumentException ex) { throw new TokenizerLoadException(path, $"the regex '{r}' is not supported: {ex.Message}", ex); }
        }
        return (null, null);
    }
}
