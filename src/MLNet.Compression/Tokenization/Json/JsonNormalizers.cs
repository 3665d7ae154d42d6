using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// tokenizer.json normalizers (Hugging Face tokenizers, normalizers/*.rs): BertNormalizer, Precompiled, NFC/NFD/NFKC/NFKD,
/// Lowercase, StripAccents, Strip, Replace, Prepend and Sequence.
/// </summary>
internal static class JsonNormalizers
{
    public static Action<NormalizedText>? Parse(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Null || e.ValueKind == JsonValueKind.Undefined) return null;
        string type = JsonTokenizer.Str(e, "type") ?? "";
        switch (type)
        {
            case "Sequence":
                var parts = e.GetProperty("normalizers").EnumerateArray().Select(x => Parse(x, path)).Where(x => x is not null).ToList();
                return t => { foreach (var p in parts) p!(t); };
            case "BertNormalizer":
            {
                bool clean = JsonTokenizer.Bool(e, "clean_text", true), chinese = JsonTokenizer.Bool(e, "handle_chinese_chars", true);
                bool lower = JsonTokenizer.Bool(e, "lowercase", true);
                bool strip = e.TryGetProperty("strip_accents", out var sa) && sa.ValueKind is JsonValueKind.True or JsonValueKind.False ? sa.GetBoolean() : lower;
                return t =>
                {
                    if (clean) t.MapCodePoints(cp => cp == 0 || cp == 0xFFFD || TextRules.IsBertControl(cp) ? "" : TextRules.IsBertWhitespace(cp) ? " " : null);
                    if (chinese) t.MapCodePoints(cp => TextRules.IsCjk(cp) ? " " + char.ConvertFromUtf32(cp) + " " : null);
                    if (strip) StripAccents(t);
                    if (lower) Lowercase(t);
                };
            }
            case "Precompiled":
            {
                string? b64 = JsonTokenizer.Str(e, "precompiled_charsmap");
                if (string.IsNullOrEmpty(b64)) return null;
                byte[] blob;
                try { blob = Convert.FromBase64String(b64); }
                catch (FormatException ex) { throw new TokenizerLoadException(path, "the Precompiled normalizer's precompiled_charsmap is not base64.", ex); }
                var map = new PrecompiledCharsMap(blob, path);
                return t => ApplyCharsMap(t, map);
            }
            case "NFC": return t => t.Normalize(NormalizationForm.FormC);
            case "NFD": return t => t.Normalize(NormalizationForm.FormD);
            case "NFKC": return t => t.Normalize(NormalizationForm.FormKC);
            case "NFKD": return t => t.Normalize(NormalizationForm.FormKD);
            case "Lowercase": return Lowercase;
            case "StripAccents": return StripAccents;
            case "Strip":
            {
                bool l = JsonTokenizer.Bool(e, "strip_left", true), r = JsonTokenizer.Bool(e, "strip_right", true);
                return t => t.Strip(l, r);
            }
            case "Prepend":
            {
                string p = JsonTokenizer.Str(e, "prepend") ?? "";
                return t => { if (t.Length > 0) t.Prepend(p); };
            }
            case "Replace":
            {
                var (regex, literal) = JsonTokenizer.Pattern(e, path);
                string content = JsonTokenizer.Str(e, "content") ?? "";
                return t => t.Replace(regex, literal, content);
            }
            default:
                throw new TokenizerLoadException(path, $"normalizer type '{type}' is not supported.");
        }
    }

    private static void StripAccents(NormalizedText t)
    {
        t.Normalize(NormalizationForm.FormD);
        t.MapCodePoints(cp => TextRules.Category(cp) == UnicodeCategory.NonSpacingMark ? "" : null);
    }

    private static void Lowercase(NormalizedText t)
    {
        var sb = new StringBuilder(2);
        t.MapCodePoints(cp =>
        {
            sb.Clear();
            TextRules.AppendLower(sb, cp);
            return sb.ToString();
        });
    }

    /// <summary>SentencePiece's charsmap applied as sentencepiece does it: longest byte prefix, else one character copied.</summary>
    private static void ApplyCharsMap(NormalizedText t, PrecompiledCharsMap map)
    {
        var outText = new StringBuilder(t.Length);
        var ns = new List<int>();
        var ne = new List<int>();
        byte[] bytes = Encoding.UTF8.GetBytes(t.Text);
        var byteChar = new int[bytes.Length + 1];
        for (int i = 0, b = 0; i < t.Length;)
        {
            TextRules.CodePointAt(t.Text, i, out int len);
            int n = Encoding.UTF8.GetByteCount(t.Text.AsSpan(i, len));
            for (int k = 0; k < n; k++) byteChar[b + k] = i;
            b += n;
            i += len;
        }
        byteChar[bytes.Length] = t.Length;
        int pos = 0;
        while (pos < bytes.Length)
        {
            int l = map.LongestMatch(bytes.AsSpan(pos), out var rep);
            int ci = byteChar[pos];
            if (l == 0)
            {
                System.Text.Rune.DecodeFromUtf8(bytes.AsSpan(pos), out var r, out l);
                rep = bytes.AsSpan(pos, l);
            }
            int ce = byteChar[Math.Min(pos + l, bytes.Length)];
            string s = Encoding.UTF8.GetString(rep);
            outText.Append(s);
            int os = t.Starts[ci], oe = ce > ci ? t.Ends[ce - 1] : t.Ends[ci];
            for (int k = 0; k < s.Length; k++) { ns.Add(os); ne.Add(oe); }
            pos += l;
        }
        t.Text = outText.ToString();
        t.Starts = ns.ToArray();
        t.Ends = ne.ToArray();
    }
}
