using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>Kinds of pieces in a SentencePiece model (sentencepiece_model.proto, <c>SentencePiece.Type</c>).</summary>
public enum PieceType
{
    /// <summary>An ordinary piece.</summary>
    Normal = 1,
    /// <summary>The unknown piece.</summary>
    Unknown = 2,
    /// <summary>A control symbol (&lt;s&gt;, &lt;/s&gt;, &lt;pad&gt;) with no surface.</summary>
    Control = 3,
    /// <summary>A user-defined symbol, always kept whole.</summary>
    UserDefined = 4,
    /// <summary>A piece that is never produced.</summary>
    Unused = 5,
    /// <summary>A byte-fallback piece <c>&lt;0xNN&gt;</c>.</summary>
    Byte = 6,
}

/// <summary>
/// The content of a SentencePiece <c>.model</c> file (a serialized <c>ModelProto</c>, sentencepiece_model.proto):
/// pieces with scores and types, and the parts of the trainer and normalizer specs that encoding needs.
/// </summary>
public sealed class SentencePieceModel
{
    /// <summary>One vocabulary entry.</summary>
    public readonly record struct Piece(string Text, float Score, PieceType Type);

    /// <summary>Pieces in id order.</summary>
    public List<Piece> Pieces { get; } = new();

    /// <summary>1 = unigram, 2 = BPE, 3 = word, 4 = char (TrainerSpec.model_type; default unigram).</summary>
    public int ModelType { get; set; } = 1;

    /// <summary>TrainerSpec.vocab_size.</summary>
    public int VocabSize { get; set; }

    /// <summary>TrainerSpec.byte_fallback.</summary>
    public bool ByteFallback { get; set; }

    /// <summary>TrainerSpec.treat_whitespace_as_suffix.</summary>
    public bool TreatWhitespaceAsSuffix { get; set; }

    /// <summary>TrainerSpec.unk_id (default 0).</summary>
    public int UnkId { get; set; }

    /// <summary>TrainerSpec.bos_id (default 1).</summary>
    public int BosId { get; set; } = 1;

    /// <summary>TrainerSpec.eos_id (default 2).</summary>
    public int EosId { get; set; } = 2;

    /// <summary>TrainerSpec.pad_id (default -1).</summary>
    public int PadId { get; set; } = -1;

    /// <summary>TrainerSpec.unk_surface: what an unknown id decodes to (default " ⁇ ").</summary>
    public string UnkSurface { get; set; } = " \u2047 ";

    /// <summary>NormalizerSpec.name (e.g. nmt_nfkc, identity).</summary>
    public string NormalizerName { get; set; } = "";

    /// <summary>NormalizerSpec.precompiled_charsmap: the compiled normalization rules.</summary>
    public byte[] PrecompiledCharsMap { get; set; } = [];

    /// <summary>NormalizerSpec.add_dummy_prefix (default true).</summary>
    public bool AddDummyPrefix { get; set; } = true;

    /// <summary>NormalizerSpec.remove_extra_whitespaces (default true).</summary>
    public bool RemoveExtraWhitespaces { get; set; } = true;

    /// <summary>NormalizerSpec.escape_whitespaces (default true).</summary>
    public bool EscapeWhitespaces { get; set; } = true;

    /// <summary>Reads a <c>.model</c> file.</summary>
    public static SentencePieceModel Load(string path)
    {
        if (!File.Exists(path)) throw new TokenizerLoadException(path, "the file does not exist.");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses a serialized ModelProto; <paramref name="path"/> names it in errors.</summary>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> data, string path = "<memory>")
    {
        var model = new SentencePieceModel();
        var r = new ProtoReader(data, path);
        while (r.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2: model.Pieces.Add(ParsePiece(r.ReadBytes(), path)); break;
                case 2 when wire == 2: ParseTrainer(r.ReadBytes(), model, path); break;
                case 3 when wire == 2: ParseNormalizer(r.ReadBytes(), model, path); break;
                default: r.Skip(wire); break;
            }
        }
        if (model.Pieces.Count == 0) throw new TokenizerLoadException(path, "the SentencePiece model holds no pieces (is it a .model file?).");
        if (model.UnkId < 0 || model.UnkId >= model.Pieces.Count || model.Pieces[model.UnkId].Type != PieceType.Unknown)
        {
            int unk = model.Pieces.FindIndex(p => p.Type == PieceType.Unknown);
            if (unk < 0) throw new TokenizerLoadException(path, "the SentencePiece model has no unknown piece.");
            model.UnkId = unk;
        }
        return model;
    }

    private static Piece ParsePiece(ReadOnlySpan<byte> data, string path)
    {
        var r = new ProtoReader(data, path);
        string text = "";
        float score = 0;
        var type = PieceType.Normal;
        while (r.TryReadTag(out int field, out int wire))
        {
            if (field == 1 && wire == 2) text = Utf8(r.ReadBytes(), path);
            else if (field == 2 && wire == 5) score = r.ReadFloat();
            else if (field == 3 && wire == 0)
            {
                ulong t = r.ReadVarint();
                if (t is < 1 or > 6) throw r.Corrupt($"piece type {t} is not one of 1..6");
                type = (PieceType)t;
            }
            else r.Skip(wire);
        }
        return new Piece(text, score, type);
    }

    private static void ParseTrainer(ReadOnlySpan<byte> data, SentencePieceModel m, string path)
    {
        var r = new ProtoReader(data, path);
        while (r.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case 3 when wire == 0: m.ModelType = (int)r.ReadVarint(); break;
                case 4 when wire == 0: m.VocabSize = (int)r.ReadVarint(); break;
                case 24 when wire == 0: m.TreatWhitespaceAsSuffix = r.ReadVarint() != 0; break;
                case 35 when wire == 0: m.ByteFallback = r.ReadVarint() != 0; break;
                case 40 when wire == 0: m.UnkId = (int)(long)r.ReadVarint(); break;
                case 41 when wire == 0: m.BosId = (int)(long)r.ReadVarint(); break;
                case 42 when wire == 0: m.EosId = (int)(long)r.ReadVarint(); break;
                case 43 when wire == 0: m.PadId = (int)(long)r.ReadVarint(); break;
                case 44 when wire == 2: m.UnkSurface = Utf8(r.ReadBytes(), path); break;
                default: r.Skip(wire); break;
            }
        }
    }

    private static void ParseNormalizer(ReadOnlySpan<byte> data, SentencePieceModel m, string path)
    {
        var r = new ProtoReader(data, path);
        while (r.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2: m.NormalizerName = Utf8(r.ReadBytes(), path); break;
                case 2 when wire == 2: m.PrecompiledCharsMap = r.ReadBytes().ToArray(); break;
                case 3 when wire == 0: m.AddDummyPrefix = r.ReadVarint() != 0; break;
                case 4 when wire == 0: m.RemoveExtraWhitespaces = r.ReadVarint() != 0; break;
                case 5 when wire == 0: m.EscapeWhitespaces = r.ReadVarint() != 0; break;
                default: r.Skip(wire); break;
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static string Utf8(ReadOnlySpan<byte> b, string path)
    {
        try { return StrictUtf8.GetString(b); }
        catch (DecoderFallbackException e) { throw new TokenizerLoadException(path, "not a valid SentencePiece model protobuf: a string field is not UTF-8.", e); }
    }
}
