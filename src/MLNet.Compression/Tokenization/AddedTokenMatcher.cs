using System.Buffers;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Splits text on added/special tokens before the model sees it, the way transformers' slow tokenizers do
/// (<c>Trie.split</c> then the lstrip/rstrip handling in <c>PreTrainedTokenizer.tokenize</c>): at each position the
/// longest added token wins, earliest position first; a token with lstrip/rstrip swallows the whitespace beside it.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>A piece of the input: plain text [Start, End) or an added token at [Start, End).</summary>
    public readonly record struct Segment(int Start, int End, AddedToken? Token);

    public List<Segment> Split(string text)
    {
        var raw = new List<Segment>();
        int textStart = 0;
        for (int i = 0; i < text.Length;)
        {
            // Jump to the next character that starts an added token (a vectorized search; most text holds none).
            int next = text.AsSpan(i).IndexOfAny(_firstChars);
            if (next < 0) break;
            i += next;
            AddedToken? match = null;
            if (_byFirstChar.TryGetValue(text[i], out var candidates))
            {
                foreach (var c in candidates)
                {
                    if (i + c.Content.Length <= text.Length && string.CompareOrdinal(text, i, c.Content, 0, c.Content.Length) == 0)
                    {
                        match = c;
                        break;
                    }
                }
            }
            if (match is null) { i++; continue; }
            if (i > textStart) raw.Add(new Segment(textStart, i, null));
            raw.Add(new Segment(i, i + match.Content.Length, match));
            i += match.Content.Length;
            textStart = i;
        }
        if (textStart < text.Length) raw.Add(new Segment(textStart, text.Length, null));

        // lstrip / rstrip: strip Python whitespace from the neighbouring text pieces.
        for (int k = 0; k < raw.Count; k++)
        {
            var tok = raw[k].Token;
            if (tok is null) continue;
            if (tok.RStrip && k + 1 < raw.Count && raw[k + 1].Token is null)
            {
                var r = raw[k + 1];
                int s = r.Start;
                while (s < r.End && TextRules.IsPythonSpace(text[s])) s++;
                raw[k + 1] = r with { Start = s };
            }
            if (tok.LStrip && k > 0 && raw[k - 1].Token is null)
            {
                var l = raw[k - 1];
                int e = l.End;
                while (e > l.Start && TextRules.IsPythonSpace(text[e - 1])) e--;
                raw[k - 1] = l with { End = e };
            }
        }
        raw.RemoveAll(s => s.End <= s.Start);
        return raw;
    }
}
