using System.Globalization;
using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Text being normalized by a tokenizer.json pipeline, with, per UTF-16 char, the original range it came from
/// (a small version of Hugging Face tokenizers' <c>NormalizedString</c>).
/// </summary>
internal sealed class NormalizedText
{
    public string Text;
    public int[] Starts;
    public int[] Ends;

    public NormalizedText(string text, int[] starts, int[] ends)
    {
        Text = text;
        Starts = starts;
        Ends = ends;
    }

    public static NormalizedText FromOriginal(string text, int start, int end)
    {
        var s = new int[end - start];
        var e = new int[end - start];
        for (int i = start; i < end; i++)
        {
            bool pair = char.IsHighSurrogate(text[i]) && i + 1 < end && char.IsLowSurrogate(text[i + 1]);
            s[i - start] = i;
            e[i - start] = pair ? i + 2 : i + 1;
            if (pair)
            {
                s[i - start + 1] = i;
                e[i - start + 1] = i + 2;
                i++;
            }
        }
        return new NormalizedText(text[start..end], s, e);
    }

    public int Length => Text.Length;

    /// <summary>Rewrites each code point (to zero or more chars), keeping alignment.</summary>
    public void MapCodePoints(Func<int, string?> map)
    {
        var sb = new StringBuilder(Text.Length);
        var ns = new List<int>(Text.Length);
        var ne = new List<int>(Text.Length);
        for (int i = 0; i < Text.Length;)
        {
            int cp = TextRules.CodePointAt(Text, i, out int len);
            string? r = map(cp);
            if (r is null)
            {
                sb.Append(Text, i, len);
                for (int k = 0; k < len; k++) { ns.Add(Starts[i]); ne.Add(Ends[i + len - 1]); }
            }
            else
            {
                sb.Append(r);
                for (int k = 0; k < r.Length; k++) { ns.Add(Starts[i]); ne.Add(Ends[i + len - 1]); }
            }
            i += len;
        }
        Set(sb, ns, ne);
    }

    /// <summary>Unicode normalization by chunks that start at a base character, each chunk keeping its original range.</summary>
    public void Normalize(NormalizationForm form)
    {
        if (Text.IsNormalized(form)) return;
        var sb = new StringBuilder(Text.Length);
        var ns = new List<int>();
        var ne = new List<int>();
        int i = 0;
        while (i < Text.Length)
        {
            int j = i;
            TextRules.CodePointAt(Text, j, out int l0);
            j += l0;
            while (j < Text.Length)
            {
                int cp = TextRules.CodePointAt(Text, j, out int l);
                var cat = TextRules.Category(cp);
                if (!(cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark || cp is >= 0x1160 and <= 0x11FF)) break;
                j += l;
            }
            string chunk = Text[i..j];
            string norm;
            try { norm = chunk.Normalize(form); }
            catch (ArgumentException) { norm = chunk; }
            sb.Append(norm);
            for (int k = 0; k < norm.Length; k++) { ns.Add(Starts[i]); ne.Add(Ends[j - 1]); }
            i = j;
        }
        Set(sb, ns, ne);
    }

    public void Prepend(string s)
    {
        if (s.Length == 0) return;
        int a = Length > 0 ? Starts[0] : 0;
        Text = s + Text;
        Starts = [.. Enumerable.Repeat(a, s.Length), .. Starts];
        Ends = [.. Enumerable.Repeat(a, s.Length), .. Ends];
    }

    public NormalizedText Slice(int a, int b) => new(Text[a..b], Starts[a..b], Ends[a..b]);

    public void Strip(bool left, bool right)
    {
        int a = 0, b = Length;
        if (left) while (a < b && char.IsWhiteSpace(Text[a])) a++;
        if (right) while (b > a && char.IsWhiteSpace(Text[b - 1])) b--;
        if (a == 0 && b == Length) return;
        var s = Slice(a, b);
        Text = s.Text;
        Starts = s.Starts;
        Ends = s.Ends;
    }

    /// <summary>Replaces every match of a literal or regex, the replacement aligned to the matched range.</summary>
    public void Replace(System.Text.RegularExpressions.Regex? regex, string? literal, string content)
    {
        var matches = new List<(int, int)>();
        if (regex is not null) foreach (System.Text.RegularExpressions.Match m in regex.Matches(Text)) { if (m.Length > 0) matches.Add((m.Index, m.Index + m.Length)); }
        else if (!string.IsNullOrEmpty(literal))
        {
            int at = 0;
            while ((at = Text.IndexOf(literal, at, StringComparison.Ordinal)) >= 0) { matches.Add((at, at + literal.Length)); at += literal.Length; }
        }
        if (matches.Count == 0) return;
        var sb = new StringBuilder();
        var ns = new List<int>();
        var ne = new List<int>();
        int pos = 0;
        foreach (var (a, b) in matches)
        {
            for (int i = pos; i < a; i++) { sb.Append(Text[i]); ns.Add(Starts[i]); ne.Add(Ends[i]); }
            sb.Append(content);
            for (int k = 0; k < content.Length; k++) { ns.Add(Starts[a]); ne.Add(Ends[b - 1]); }
            pos = b;
        }
        for (int i = pos; i < Length; i++) { sb.Append(Text[i]); ns.Add(Starts[i]); ne.Add(Ends[i]); }
        Set(sb, ns, ne);
    }

    private void Set(StringBuilder sb, List<int> ns, List<int> ne)
    {
        Text = sb.ToString();
        Starts = ns.ToArray();
        Ends = ne.ToArray();
    }
}
