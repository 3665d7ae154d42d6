using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// SentencePiece's normalizer (sentencepiece normalizer.cc <c>Normalize</c>): longest-prefix rewriting by the
/// precompiled charsmap (user-defined pieces kept as they are), leading/trailing/repeated spaces removed when
/// remove_extra_whitespaces, a dummy "▁" prefix when add_dummy_prefix, spaces escaped to U+2581. Works on UTF-8 bytes as
/// the original does, and maps every normalized character back to the input character it came from.
/// </summary>
public sealed class SentencePieceNormalizer
{
    private static readonly byte[] SpaceSymbol = [0xE2, 0x96, 0x81];
    private readonly PrecompiledCharsMap? _map;
    private readonly byte[][] _userDefined;

    /// <summary>Creates the normalizer from a model's normalizer spec.</summary>
    public SentencePieceNormalizer(SentencePieceModel model, string path = "<memory>")
    {
        _map = model.PrecompiledCharsMap.Length > 0 ? new PrecompiledCharsMap(model.PrecompiledCharsMap, path) : null;
        _userDefined = model.Pieces.Where(p => p.Type == PieceType.UserDefined && p.Text.Length > 0)
            .Select(p => Encoding.UTF8.GetBytes(p.Text)).OrderByDescending(b => b.Length).ToArray();
        AddDummyPrefix = model.AddDummyPrefix;
        RemoveExtraWhitespaces = model.RemoveExtraWhitespaces;
        EscapeWhitespaces = model.EscapeWhitespaces;
        TreatWhitespaceAsSuffix = model.TreatWhitespaceAsSuffix;
    }

    /// <summary>Prefix "▁" to the text.</summary>
    public bool AddDummyPrefix { get; init; }

    /// <summary>Drop leading, trailing and repeated spaces.</summary>
    public bool RemoveExtraWhitespaces { get; init; }

    /// <summary>Write spaces as U+2581.</summary>
    public bool EscapeWhitespaces { get; init; }

    /// <summary>Put the dummy whitespace at the end instead.</summary>
    public bool TreatWhitespaceAsSuffix { get; init; }

    /// <summary>
    /// Normalizes text[start..end). Returns the normalized string and, for each of its chars plus one past the end, the
    /// index in <paramref name="text"/> it came from. Without <paramref name="applyCharsMap"/> only the whitespace rules
    /// apply (for text that is normalized already).
    /// </summary>
    public string Normalize(string text, int start, int end, out int[] toOriginal, bool applyCharsMap = true)
    {
        // UTF-8 bytes of the input, with the char index each byte belongs to.
        var input = new List<byte>((end - start) * 2);
        var byteToChar = new List<int>((end - start) * 2);
        Span<byte> buf = stackalloc byte[4];
        for (int i = start; i < end;)
        {
            int cp = TextRules.CodePointAt(text, i, out int len);
            if (i + len > end) len = 1;
            if (cp is >= 0xD800 and <= 0xDFFF) cp = 0xFFFD;
            int n = new Rune(cp).EncodeToUtf8(buf);
            for (int k = 0; k < n; k++) { input.Add(buf[k]); byteToChar.Add(i); }
            i += len;
        }
        byteToChar.Add(end);
        var src = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(input);

        var outBytes = new List<byte>(src.Length + 8);
        var outOrig = new List<int>(src.Length + 8); // byte offset in src per output byte
        int pos = 0;
        if (RemoveExtraWhitespaces)
        {
            while (pos < src.Length)
            {
                int l = NormalizePrefix(src[pos..], applyCharsMap, out var rep);
                if (!(rep.Length == 1 && rep[0] == (byte)' ')) break;
                pos += l;
            }
        }
        if (pos >= src.Length)
        {
            toOriginal = [end];
            return "";
        }
        int consumed = pos;
        void AddWs(List<byte> ob, List<int> oo, int at)
        {
            if (EscapeWhitespaces) { foreach (var b in SpaceSymbol) { ob.Add(b); oo.Add(at); } }
            else { ob.Add((byte)' '); oo.Add(at); }
        }
        if (!TreatWhitespaceAsSuffix && AddDummyPrefix) AddWs(outBytes, outOrig, consumed);
        bool prevSpace = RemoveExtraWhitespaces;
        while (pos < src.Length)
        {
            int l = NormalizePrefix(src[pos..], applyCharsMap, out var sp);
            int k = 0;
            while (prevSpace && k < sp.Length && sp[k] == (byte)' ') k++;
            sp = sp[k..];
            if (sp.Length > 0)
            {
                foreach (byte b in sp)
                {
                    if (EscapeWhitespaces && b == (byte)' ') { foreach (var s in SpaceSymbol) { outBytes.Add(s); outOrig.Add(consumed); } }
                    else { outBytes.Add(b); outOrig.Add(consumed); }
                }
                prevSpace = sp[^1] == (byte)' ';
            }
            consumed += l;
            pos += l;
            if (!RemoveExtraWhitespaces) prevSpace = false;
        }
        if (RemoveExtraWhitespaces)
        {
            ReadOnlySpan<byte> space = EscapeWhitespaces ? SpaceSymbol : [(byte)' '];
            while (outBytes.Count >= space.Length && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(outBytes)[^space.Length..].SequenceEqual(space))
            {
                int length = outBytes.Count - space.Length;
                consumed = outOrig[length];
                outBytes.RemoveRange(length, space.Length);
                outOrig.RemoveRange(length, space.Length);
            }
        }
        if (TreatWhitespaceAsSuffix && AddDummyPrefix) AddWs(outBytes, outOrig, consumed);

        // Back to UTF-16 with one original index per char.
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(outBytes);
        var sb = new StringBuilder(bytes.Length);
        var map = new List<int>(bytes.Length + 1);
        for (int i = 0; i < bytes.Length;)
        {
            var status = Rune.DecodeFromUtf8(bytes[i..], out var rune, out int used);
            if (status != System.Buffers.OperationStatus.Done) { rune = Rune.ReplacementChar; used = Math.Max(1, used); }
            int orig = byteToChar[Math.Min(outOrig[i], byteToChar.Count - 1)];
            int units = rune.Utf16SequenceLength;
            sb.Append(rune.ToString());
            for (int u = 0; u < units; u++) map.Add(orig);
            i += used;
        }
        map.Add(byteToChar[Math.Min(consumed, byteToChar.Count - 1)]);
        toOriginal = map.ToArray();
        return sb.ToString();
    }

    /// <summary>One normalization step: (bytes consumed, replacement).</summary>
    private int NormalizePrefix(ReadOnlySpan<byte> input, bool applyCharsMap, out ReadOnlySpan<byte> replacement)
    {
        foreach (var u in _userDefined)
        {
            if (input.StartsWith(u))
            {
                replacement = input[..u.Length];
                return u.Length;
            }
        }
        if (_map is not null && applyCharsMap)
        {
            int l = _map.LongestMatch(input, out replacement);
            if (l > 0) return l;
        }
        var status = Rune.DecodeFromUtf8(input, out _, out int used);
        if (status != System.Buffers.OperationStatus.Done)
        {
            replacement = "\uFFFD"u8;
            return 1;
        }
        replacement = input[..used];
        return used;
    }
}
