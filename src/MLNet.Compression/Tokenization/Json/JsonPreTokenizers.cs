using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// tokenizer.json pre-tokenizers (Hugging Face tokenizers, pre_tokenizers/*.rs): BertPreTokenizer, ByteLevel, Whitespace,
/// WhitespaceSplit, Metaspace, Split, Punctuation, Digits and Sequence. Each turns pieces into smaller pieces; parsed
/// without splits, only the character mappings stay (ByteLevel's bytes, Metaspace's "▁"), for pre-tokenization off.
/// </summary>
internal static class JsonPreTokenizers
{
    public delegate void PreTokenizer(List<NormalizedText> pieces);

    public static PreTokenizer? Parse(JsonElement e, string path, out bool byteLevel, bool splits = true)
    {
        byteLevel = false;
        if (e.ValueKind == JsonValueKind.Null || e.ValueKind == JsonValueKind.Undefined) return null;
        string type = JsonTokenizer.Str(e, "type") ?? "";
        switch (type)
        {
            case "Sequence":
            {
                var list = new List<PreTokenizer>();
                foreach (var x in e.GetProperty("pretokenizers").EnumerateArray())
                {
                    var p = Parse(x, path, out bool bl, splits);
                    byteLevel |= bl;
                    if (p is not null) list.Add(p);
                }
                return list.Count == 0 ? null : pieces => { foreach (var p in list) p(pieces); };
            }
            case "BertPreTokenizer":
                return !splits ? null : pieces => SplitEach(pieces, (t, o) => SplitBy(t, o, cp => TextRules.IsRegexSpace(cp) ? 0 : TextRules.IsBertPunctuation(cp) ? 1 : 2));
            case "WhitespaceSplit":
                return !splits ? null : pieces => SplitEach(pieces, (t, o) => SplitBy(t, o, cp => TextRules.IsRegexSpace(cp) ? 0 : 2));
            case "Whitespace":
            {
                if (!splits) return null;
                var re = new Regex(@"\w+|[^\w\s]+", RegexOptions.CultureInvariant);
                return pieces => SplitEach(pieces, (t, o) => { foreach (Match m in re.Matches(t.Text)) o.Add(t.Slice(m.Index, m.Index + m.Length)); });
            }
            case "Punctuation":
                return !splits ? null : pieces => SplitEach(pieces, (t, o) => SplitBy(t, o, cp => TextRules.IsBertPunctuation(cp) ? 1 : 2));
            case "Digits":
            {
                bool individual = JsonTokenizer.Bool(e, "individual_digits", false);
                if (!splits) return null;
                return pieces => SplitEach(pieces, (t, o) => SplitRuns(t, o, cp => cp is >= '0' and <= '9', individual));
            }
            case "ByteLevel":
            {
                byteLevel = true;
                bool prefix = JsonTokenizer.Bool(e, "add_prefix_space", true);
                bool useRegex = JsonTokenizer.Bool(e, "use_regex", true) && splits;
                return pieces =>
                {
                    if (prefix && pieces.Count > 0 && pieces[0].Length > 0 && pieces[0].Text[0] != ' ') pieces[0].Prepend(" ");
                    if (useRegex)
                        SplitEach(pieces, (t, o) =>
                        {
                            var ranges = new List<(int, int)>();
                            Gpt2PreTokenizer.Split(t.Text, 0, t.Length, ranges);
                            foreach (var (a, b) in ranges) o.Add(t.Slice(a, b));
                        });
                    foreach (var p in pieces) ToByteLevel(p);
                };
            }
            case "Metaspace":
            {
                string rep = JsonTokenizer.Str(e, "replacement") ?? "\u2581";
                string scheme = JsonTokenizer.Str(e, "prepend_scheme") ?? (JsonTokenizer.Bool(e, "add_prefix_space", true) ? "always" : "never");
                bool split = JsonTokenizer.Bool(e, "split", true) && splits;
                return pieces =>
                {
                    for (int k = 0; k < pieces.Count; k++)
                    {
                        var t = pieces[k];
                        t.Replace(null, " ", rep);
                        if ((scheme == "always" || (scheme == "first" && k == 0)) && t.Length > 0 && !t.Text.StartsWith(rep, StringComparison.Ordinal)) t.Prepend(rep);
                    }
                    if (split) SplitEach(pieces, (t, o) => SplitMergedWithNext(t, o, rep));
                };
            }
            case "Split":
            {
                var (regex, literal) = JsonTokenizer.Pattern(e, path);
                regex ??= new Regex(Regex.Escape(literal ?? ""), RegexOptions.CultureInvariant);
                string behavior = JsonTokenizer.Str(e, "behavior") ?? "Isolated";
                bool invert = JsonTokenizer.Bool(e, "invert", false);
                if (!splits) return null;
                return pieces => SplitEach(pieces, (t, o) => SplitRegex(t, o, regex, behavior, invert));
            }
            default:
                throw new TokenizerLoadException(path, $"pre-tokenizer type '{type}' is not supported.");
        }
    }

    private static void SplitEach(List<NormalizedText> pieces, Action<NormalizedText, List<NormalizedText>> split)
    {
        var result = new List<NormalizedText>(pieces.Count * 2);
        foreach (var p in pieces) split(p, result);
        pieces.Clear();
        pieces.AddRange(result);
    }

    /// <summary>kind: 0 = remove (whitespace), 1 = isolate, 2 = keep in runs.</summary>
    private static void SplitBy(NormalizedText t, List<NormalizedText> o, Func<int, int> kind)
    {
        int start = 0;
        for (int i = 0; i < t.Length;)
        {
            int cp = TextRules.CodePointAt(t.Text, i, out int len);
            int k = kind(cp);
            if (k != 2)
            {
                if (i > start) o.Add(t.Slice(start, i));
                if (k == 1) o.Add(t.Slice(i, i + len));
                start = i + len;
            }
            i += len;
        }
        if (t.Length > start) o.Add(t.Slice(start, t.Length));
    }

    private static void SplitRuns(NormalizedText t, List<NormalizedText> o, Func<int, bool> inRun, bool individual)
    {
        int start = 0;
        for (int i = 0; i < t.Length; i++)
        {
            bool a = inRun(t.Text[i]);
            bool boundary = i > start && (a != inRun(t.Text[i - 1]) || (individual && a));
            if (boundary) { o.Add(t.Slice(start, i)); start = i; }
        }
        if (t.Length > start) o.Add(t.Slice(start, t.Length));
    }

    private static void SplitMergedWithNext(NormalizedText t, List<NormalizedText> o, string delimiter)
    {
        int start = 0;
        int at = 0;
        while ((at = t.Text.IndexOf(delimiter, at, StringComparison.Ordinal)) >= 0)
        {
            if (at > start) { o.Add(t.Slice(start, at)); start = at; }
            at += delimiter.Length;
        }
        if (t.Length > start) o.Add(t.Slice(start, t.Length));
    }

    private static void SplitRegex(NormalizedText t, List<NormalizedText> o, Regex regex, string behavior, bool invert)
    {
        // (start, end, isMatch) covering the text.
        var parts = new List<(int A, int B, bool M)>();
        int pos = 0;
        foreach (Match m in regex.Matches(t.Text))
        {
            if (m.Length == 0) continue;
            if (m.Index > pos) parts.Add((pos, m.Index, false));
            parts.Add((m.Index, m.Index + m.Length, true));
            pos = m.Index + m.Length;
        }
        if (pos < t.Length) parts.Add((pos, t.Length, false));
        if (invert) parts = parts.Select(p => (p.A, p.B, !p.M)).ToList();
        switch (behavior)
        {
            case "Removed":
                foreach (var p in parts) if (!p.M) o.Add(t.Slice(p.A, p.B));
                break;
            case "MergedWithPrevious":
            {
                int s = 0;
                foreach (var p in parts) if (p.M) { o.Add(t.Slice(s, p.B)); s = p.B; }
                if (s < t.Length) o.Add(t.Slice(s, t.Length));
                break;
            }
            case "MergedWithNext":
            {
                int s = 0;
                foreach (var p in parts) if (p.M && p.A > s) { o.Add(t.Slice(s, p.A)); s = p.A; }
                if (s < t.Length) o.Add(t.Slice(s, t.Length));
                break;
            }
            case "Contiguous":
            {
                int s = 0;
                for (int i = 0; i < parts.Count; i++)
                {
                    if (i > 0 && parts[i].M != parts[i - 1].M) { o.Add(t.Slice(s, parts[i].A)); s = parts[i].A; }
                }
                if (s < t.Length) o.Add(t.Slice(s, t.Length));
                break;
            }
            default: // Isolated
                foreach (var p in parts) o.Add(t.Slice(p.A, p.B));
                break;
        }
    }

    /// <summary>UTF-8 bytes shown through GPT-2's byte table, each byte char aligned to its source character.</summary>
    private static void ToByteLevel(NormalizedText t)
    {
        var sb = new StringBuilder(t.Length);
        var ns = new List<int>();
        var ne = new List<int>();
        Span<byte> buf = stackalloc byte[4];
        for (int i = 0; i < t.Length;)
        {
            int cp = TextRules.CodePointAt(t.Text, i, out int len);
            if (cp is >= 0xD800 and <= 0xDFFF) cp = 0xFFFD;
            int n = new Rune(cp).EncodeToUtf8(buf);
            for (int k = 0; k < n; k++) { sb.Append(ByteLevel.Encode(buf[k])); ns.Add(t.Starts[i]); ne.Add(t.Ends[i + len - 1]); }
            i += len;
        }
        t.Text = sb.ToString();
        t.Starts = ns.ToArray();
        t.Ends = ne.ToArray();
    }
}
