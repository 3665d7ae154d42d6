using System.Globalization;
using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Character classes the reference tokenizers use, written from their definitions: Python's <c>str.isspace</c>,
/// BERT's <c>_is_whitespace</c>/<c>_is_control</c>/<c>_is_punctuation</c>/<c>_is_chinese_char</c>
/// (transformers tokenization_bert.py) and Python's full lower-case mapping.
/// </summary>
internal static class TextRules
{
    /// <summary>Replaces unpaired UTF-16 surrogates with U+FFFD (one char for one, so offsets stay valid).</summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF')) return text;
        int i = 0;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) break;
        }
        if (i >= text.Length) return text;
        var chars = text.ToCharArray();
        for (int j = 0; j < chars.Length; j++)
        {
            if (char.IsHighSurrogate(chars[j]) && j + 1 < chars.Length && char.IsLowSurrogate(chars[j + 1])) { j++; continue; }
            if (char.IsSurrogate(chars[j])) chars[j] = '\uFFFD';
        }
        return new string(chars);
    }

    /// <summary>Reads the code point at <paramref name="i"/> and its UTF-16 length (lone surrogates read as themselves).</summary>
    public static int CodePointAt(string s, int i, out int length)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }
        length = 1;
        return c;
    }

    public static UnicodeCategory Category(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp);

    /// <summary>Python's <c>str.isspace</c>: bidirectional class WS, B or S, or category Zs.</summary>
    public static bool IsPythonSpace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        >= 0x1C and <= 0x20 => true,
        0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>Unicode White_Space, which the <c>regex</c> module's <c>\s</c> matches (GPT-2's pattern).</summary>
    public static bool IsRegexSpace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>BERT's <c>_is_whitespace</c>: space, tab, newline, carriage return, or category Zs.</summary>
    public static bool IsBertWhitespace(int cp) =>
        cp is ' ' or '\t' or '\n' or '\r' || Category(cp) == UnicodeCategory.SpaceSeparator;

    /// <summary>BERT's <c>_is_control</c>: category C* except tab, newline and carriage return.</summary>
    public static bool IsBertControl(int cp)
    {
        if (cp is '\t' or '\n' or '\r') return false;
        return Category(cp) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>BERT's <c>_is_punctuation</c>: all non-letter/number ASCII symbols, and category P*.</summary>
    public static bool IsBertPunctuation(int cp)
    {
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Category(cp) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>BERT's <c>_is_chinese_char</c>: the CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana).</summary>
    public static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>Whether the category is a letter (L*), as <c>\p{L}</c> matches.</summary>
    public static bool IsLetter(UnicodeCategory c) => c <= UnicodeCategory.OtherLetter;

    /// <summary>Whether the category is a number (N*), as <c>\p{N}</c> matches.</summary>
    public static bool IsNumber(UnicodeCategory c) => c is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>
    /// Python's <c>str.lower()</c> of one code point, appended to <paramref name="sb"/>. .NET's invariant lower-casing
    /// is the simple 1:1 mapping; Python uses the full mapping, which differs for U+0130 (İ → i + U+0307).
    /// </summary>
    public static void AppendLower(StringBuilder sb, int cp)
    {
        if (cp == 0x130) { sb.Append('i').Append('\u0307'); return; }
        if (cp < 0x10000)
        {
            sb.Append(char.ToLowerInvariant((char)cp));
            return;
        }
        sb.Append(Rune.ToLowerInvariant(new Rune(cp)).ToString());
    }
}
