using System.Globalization;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// GPT-2's pre-tokenization pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>
/// (openai/gpt-2 encoder.py), matched by hand over code points so that letters outside the BMP count as letters,
/// as Python's <c>regex</c> module sees them.
/// </summary>
internal static class Gpt2PreTokenizer
{
    private enum Kind { Space, Letter, Number, Other }

    private static Kind KindOf(int cp)
    {
        if (TextRules.IsRegexSpace(cp)) return Kind.Space;
        var cat = cp < 0x80 ? CharUnicodeInfo.GetUnicodeCategory((char)cp) : TextRules.Category(cp);
        if (TextRules.IsLetter(cat)) return Kind.Letter;
        if (TextRules.IsNumber(cat)) return Kind.Number;
        return Kind.Other;
    }

    /// <summary>Appends the [start, end) ranges of the pattern's matches in text[start..end).</summary>
    public static void Split(string text, int start, int end, List<(int Start, int End)> output)
    {
        int i = start;
        while (i < end)
        {
            int m = MatchEnd(text, i, end);
            output.Add((i, m));
            i = m;
        }
    }

    /// <summary>The kind of each ASCII character, looked up rather than classified (most text is ASCII).</summary>
    private static readonly Kind[] AsciiKinds = Enumerable.Range(0, 128).Select(KindOf).ToArray();

    private static Kind KindAt(string text, int i, int end, out int len)
    {
        char c = text[i];
        if (c < 128)
        {
            len = 1;
            return AsciiKinds[c];
        }
        int cp = TextRules.CodePointAt(text, i, out len);
        if (i + len > end) len = 1;
        return KindOf(cp);
    }

    /// <summary>The end of the pattern's match that starts at <paramref name="i"/> (matches tile the text).</summary>
    public static int MatchEnd(string text, int i, int end)
    {
        char c = text[i];
        // Contractions, case-sensitive as in GPT-2.
        if (c == '\'' && i + 1 < end)
        {
            char n = text[i + 1];
            if (n is 's' or 't' or 'm' or 'd') return i + 2;
            if (i + 2 < end)
            {
                char n2 = text[i + 2];
                if ((n == 'r' && n2 == 'e') || (n == 'v' && n2 == 'e') || (n == 'l' && n2 == 'l')) return i + 3;
            }
        }
        var kind = KindAt(text, i, end, out int len);
        int j = i;
        Kind run;
        if (c == ' ' && i + 1 < end)
        {
            var next = KindAt(text, i + 1, end, out _);
            if (next != Kind.Space) { j = i + 1; run = next; return Run(text, j, end, run); }
        }
        if (kind != Kind.Space) return Run(text, i, end, kind);

        // Whitespace: \s+(?!\S) takes the run but leaves its last char when a non-space follows; \s+ takes a lone one.
        int k = i;
        int lastStart = i;
        while (k < end)
        {
            var kk = KindAt(text, k, end, out int l);
            if (kk != Kind.Space) break;
            lastStart = k;
            k += l;
        }
        if (k >= end) return k;
        return lastStart > i ? lastStart : k;
    }

    private static int Run(string text, int j, int end, Kind kind)
    {
        while (j < end)
        {
            var k = KindAt(text, j, end, out int l);
            if (k != kind) break;
            j += l;
        }
        return j;
    }
}
