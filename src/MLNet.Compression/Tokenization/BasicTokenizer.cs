using System.Globalization;
using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// BERT's basic tokenization (transformers tokenization_bert.py <c>BasicTokenizer</c>): drop NUL, U+FFFD and control
/// characters, turn whitespace into spaces, put spaces around CJK ideographs, NFC, split on whitespace, lower-case and
/// strip accents when configured, split off every punctuation character. Each output word keeps, per character, the
/// range of the original text it came from.
/// </summary>
public sealed class BasicTokenizer
{
    /// <summary>Creates a basic tokenizer.</summary>
    /// <param name="doLowerCase">Lower-case words (uncased models).</param>
    /// <param name="stripAccents">Strip accents (NFD, drop Mn); null means "iff lower-casing", BERT's default.</param>
    /// <param name="tokenizeChineseChars">Split CJK ideographs into single characters.</param>
    /// <param name="neverSplit">Words left untouched.</param>
    public BasicTokenizer(bool doLowerCase = true, bool? stripAccents = null, bool tokenizeChineseChars = true, IEnumerable<string>? neverSplit = null)
    {
        DoLowerCase = doLowerCase;
        StripAccents = stripAccents;
        TokenizeChineseChars = tokenizeChineseChars;
        var never = new HashSet<string>(neverSplit ?? [], StringComparer.Ordinal);
        NeverSplit = never;
        _neverSplit = never.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _neverSplit;

    /// <summary>Whether <paramref name="word"/> is one of the words never split or normalized.</summary>
    internal bool IsNeverSplit(ReadOnlySpan<char> word) => _neverSplit.Contains(word);

    /// <summary>Whether words are lower-cased.</summary>
    public bool DoLowerCase { get; }

    /// <summary>Whether accents are stripped (null: when lower-casing).</summary>
    public bool? StripAccents { get; }

    /// <summary>Whether CJK ideographs become single-character words.</summary>
    public bool TokenizeChineseChars { get; }

    /// <summary>Words never split or normalized.</summary>
    public IReadOnlySet<string> NeverSplit { get; }

    /// <summary>
    /// Whether the normalization steps run: dropping control characters, spaces around CJK ideographs, NFC, lower-casing
    /// and accent stripping (the steps of Hugging Face's fast <c>BertNormalizer</c>). Off for text that is normalized
    /// already: whitespace and punctuation still split.
    /// </summary>
    internal bool Normalizes { get; init; } = true;

    /// <summary>A word with, per UTF-16 char, the original range it came from.</summary>
    internal readonly record struct Word(string Text, int[] Starts, int[] Ends);

    /// <summary>
    /// Splits text[start..end) into words. Without <paramref name="split"/> (pre-tokenization off) the text is one word,
    /// with whitespace written as spaces and spaces put around CJK ideographs when normalizing.
    /// </summary>
    internal void Split(string text, int start, int end, List<Word> words, bool split = true)
    {
        var sb = new StringBuilder();
        var starts = new List<int>();
        var ends = new List<int>();
        int i = start;
        while (i < end)
        {
            int cp = TextRules.CodePointAt(text, i, out int len);
            if (len == 2 && i + 2 > end) len = 1;
            if (Normalizes && (cp == 0 || cp == 0xFFFD || TextRules.IsBertControl(cp))) { i += len; continue; }
            bool space = TextRules.IsBertWhitespace(cp) || TextRules.IsPythonSpace(cp);
            bool cjk = Normalizes && TokenizeChineseChars && TextRules.IsCjk(cp);
            if (split)
            {
                if (space) Flush(sb, starts, ends, words, split);
                else if (cjk)
                {
                    Flush(sb, starts, ends, words, split);
                    Append(sb, starts, ends, text, i, len);
                    Flush(sb, starts, ends, words, split);
                }
                else Append(sb, starts, ends, text, i, len);
            }
            else if (space && Normalizes) AppendSpace(sb, starts, ends, i, len);
            else if (cjk)
            {
                AppendSpace(sb, starts, ends, i, len);
                Append(sb, starts, ends, text, i, len);
                AppendSpace(sb, starts, ends, i, len);
            }
            else Append(sb, starts, ends, text, i, len);
            i += len;
        }
        Flush(sb, starts, ends, words, split);
    }

    /// <summary>A space standing for text[i..i+len) (_clean_text writes whitespace as " ", CJK characters get one each side).</summary>
    private static void AppendSpace(StringBuilder sb, List<int> starts, List<int> ends, int i, int len)
    {
        sb.Append(' ');
        starts.Add(i);
        ends.Add(i + len);
    }

    private static void Append(StringBuilder sb, List<int> starts, List<int> ends, string text, int i, int len)
    {
        for (int k = 0; k < len; k++)
        {
            sb.Append(text[i + k]);
            starts.Add(i);
            ends.Add(i + len);
        }
    }

    private void Flush(StringBuilder sb, List<int> starts, List<int> ends, List<Word> words, bool split)
    {
        if (sb.Length == 0) return;
        string token = sb.ToString();
        int[] s = starts.ToArray(), e = ends.ToArray();
        sb.Clear();
        starts.Clear();
        ends.Clear();
        if (NeverSplit.Contains(token))
        {
            words.Add(new Word(token, s, e));
            return;
        }
        if (!Normalizes)
        {
            if (split) SplitOnPunctuation(token, s, e, words);
            else words.Add(new Word(token, s, e));
            return;
        }
        // transformers >= 4.29 normalizes to NFC before splitting, so composed and decomposed accents agree.
        if (!IsAscii(token) && !token.IsNormalized(NormalizationForm.FormC)) (token, s, e) = Nfc(token, s, e);
        if (NeverSplit.Contains(token))
        {
            words.Add(new Word(token, s, e));
            return;
        }
        bool strip = StripAccents ?? DoLowerCase;
        if (DoLowerCase || strip) (token, s, e) = Normalize(token, s, e, DoLowerCase, strip);
        if (split) SplitOnPunctuation(token, s, e, words);
        else words.Add(new Word(token, s, e));
    }

    private static bool IsAscii(string s)
    {
        foreach (char c in s) if (c >= 0x80) return false;
        return true;
    }

    /// <summary>NFC by chunks that start at a base character, each chunk mapped to its original range.</summary>
    private static (string, int[], int[]) Nfc(string token, int[] s, int[] e)
    {
        var sb = new StringBuilder(token.Length);
        var ns = new List<int>(token.Length);
        var ne = new List<int>(token.Length);
        int i = 0;
        while (i < token.Length)
        {
            int j = i;
            TextRules.CodePointAt(token, j, out int l0);
            j += l0;
            while (j < token.Length)
            {
                int cp = TextRules.CodePointAt(token, j, out int l);
                var cat = TextRules.Category(cp);
                bool joins = cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                    || cp is >= 0x1160 and <= 0x11FF; // Hangul medial vowels and final consonants compose with what precedes.
                if (!joins) break;
                j += l;
            }
            string chunk = token[i..j];
            string norm = IsAscii(chunk) ? chunk : chunk.Normalize(NormalizationForm.FormC);
            for (int k = 0; k < norm.Length; k++)
            {
                ns.Add(s[i]);
                ne.Add(e[j - 1]);
            }
            sb.Append(norm);
            i = j;
        }
        return (sb.ToString(), ns.ToArray(), ne.ToArray());
    }

    /// <summary>Lower-case (Python's full mapping, as transformers calls <c>str.lower</c>) then drop accents (NFD, remove Mn).</summary>
    private static (string, int[], int[]) Normalize(string token, int[] s, int[] e, bool lower, bool strip)
    {
        if (IsAscii(token))
        {
            if (!lower) return (token, s, e);
            string low = token.ToLowerInvariant();
            return (low, s, e);
        }
        var sb = new StringBuilder(token.Length);
        var ns = new List<int>(token.Length);
        var ne = new List<int>(token.Length);
        var piece = new StringBuilder(4);
        int i = 0;
        while (i < token.Length)
        {
            int cp = TextRules.CodePointAt(token, i, out int len);
            piece.Clear();
            if (lower) TextRules.AppendLower(piece, cp);
            else piece.Append(token, i, len);
            string p = piece.ToString();
            if (strip && !IsAscii(p))
            {
                string d = p.Normalize(NormalizationForm.FormD);
                piece.Clear();
                for (int k = 0; k < d.Length; k++)
                {
                    int c = TextRules.CodePointAt(d, k, out int l);
                    if (TextRules.Category(c) != UnicodeCategory.NonSpacingMark) piece.Append(d, k, l);
                    k += l - 1;
                }
                p = piece.ToString();
            }
            foreach (char ch in p)
            {
                sb.Append(ch);
                ns.Add(s[i]);
                ne.Add(e[i + len - 1]);
            }
            i += len;
        }
        return (sb.ToString(), ns.ToArray(), ne.ToArray());
    }

    private static void SplitOnPunctuation(string token, int[] s, int[] e, List<Word> words)
    {
        int wordStart = 0;
        int i = 0;
        while (i < token.Length)
        {
            int cp = TextRules.CodePointAt(token, i, out int len);
            if (TextRules.IsBertPunctuation(cp))
            {
                if (i > wordStart) words.Add(Slice(token, s, e, wordStart, i));
                words.Add(Slice(token, s, e, i, i + len));
                wordStart = i + len;
            }
            else if (TextRules.IsPythonSpace(cp))
            {
                // Lower-casing never yields spaces, but whitespace_tokenize would split there, so do the same.
                if (i > wordStart) words.Add(Slice(token, s, e, wordStart, i));
                wordStart = i + len;
            }
            i += len;
        }
        if (token.Length > wordStart) words.Add(Slice(token, s, e, wordStart, token.Length));
    }

    private static Word Slice(string token, int[] s, int[] e, int a, int b) =>
        a == 0 && b == token.Length ? new Word(token, s, e) : new Word(token[a..b], s[a..b], e[a..b]);
}
