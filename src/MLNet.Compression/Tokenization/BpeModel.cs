using System.Collections.Concurrent;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Byte-pair encoding by merge rank (Sennrich et al. 2016; GPT-2's <c>bpe</c> in openai/gpt-2 encoder.py): a word
/// starts as single symbols; the adjacent pair with the lowest merge rank is merged everywhere, until no pair has a rank.
/// Results are cached per word.
/// </summary>
public sealed class BpeModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _idToToken;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly ConcurrentDictionary<string, string[]> _cache = new(StringComparer.Ordinal);
    private const int MaxCacheEntries = 200_000;

    /// <summary>Creates the model from vocabulary and merges in rank order.</summary>
    public BpeModel(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string, string)> merges, string? unkToken = null,
        string? continuingSubwordPrefix = null, string? endOfWordSuffix = null)
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        int size = _vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1;
        _idToToken = new string[size];
        foreach (var (t, id) in _vocab) _idToToken[id] = t;
        _ranks = new Dictionary<(string, string), int>(merges.Count);
        for (int i = 0; i < merges.Count; i++) _ranks.TryAdd(merges[i], i);
        UnkToken = unkToken;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        EndOfWordSuffix = endOfWordSuffix;
    }

    /// <summary>Token for symbols missing from the vocabulary (null: such symbols are dropped... or kept by byte fallback).</summary>
    public string? UnkToken { get; }

    /// <summary>Prefix of non-initial pieces (tokenizer.json BPE option, unused by GPT-2).</summary>
    public string? ContinuingSubwordPrefix { get; }

    /// <summary>Suffix of word-final pieces (tokenizer.json BPE option, unused by GPT-2).</summary>
    public string? EndOfWordSuffix { get; }

    /// <summary>Whether symbols missing from the vocabulary become their UTF-8 bytes as <c>&lt;0xNN&gt;</c> pieces.</summary>
    public bool ByteFallback { get; init; }

    /// <summary>Token → id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => _vocab;

    /// <summary>Number of merges.</summary>
    public int MergeCount => _ranks.Count;

    /// <summary>Largest id + 1.</summary>
    public int Size => _idToToken.Length;

    /// <summary>The token of an id or null.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>The id of a token or null.</summary>
    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    /// <summary>The merged pieces of one word (cached).</summary>
    public string[] Merge(string word)
    {
        if (_cache.TryGetValue(word, out var cached)) return cached;
        var result = MergeUncached(word);
        if (_cache.Count < MaxCacheEntries) _cache.TryAdd(word, result);
        return result;
    }

    /// <summary>The merged pieces of one word, without the cache (for callers that cache whole words themselves).</summary>
    internal string[] MergeUncached(string word)
    {
        var symbols = new List<string>(word.Length);
        for (int i = 0; i < word.Length;)
        {
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            string s = word.Substring(i, len);
            if (ContinuingSubwordPrefix is not null && i > 0) s = ContinuingSubwordPrefix + s;
            if (EndOfWordSuffix is not null && i + len == word.Length) s += EndOfWordSuffix;
            symbols.Add(s);
            i += len;
        }
        while (symbols.Count > 1)
        {
            int best = int.MaxValue, at = -1;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < best)
                {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) break;
            string first = symbols[at], second = symbols[at + 1];
            string merged = first + (ContinuingSubwordPrefix is not null && second.StartsWith(ContinuingSubwordPrefix, StringComparison.Ordinal)
                ? second[ContinuingSubwordPrefix.Length..] : second);
            // Merge every occurrence of the pair, left to right (as GPT-2 does).
            var next = new List<string>(symbols.Count);
            for (int i = 0; i < symbols.Count;)
            {
                if (i + 1 < symbols.Count && symbols[i] == first && symbols[i + 1] == second)
                {
                    next.Add(merged);
                    i += 2;
                }
                else next.Add(symbols[i++]);
            }
            symbols = next;
        }
        return symbols.ToArray();
    }
}
