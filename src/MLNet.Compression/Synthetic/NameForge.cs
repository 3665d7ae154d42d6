namespace MLNet.Compression.Synthetic;

/// <summary>
/// Makes pronounceable fictional words from syllables, deterministically from a seed, never repeating a word
/// (case-insensitively) and never producing a real word from the reserved list the world uses for its templates.
/// </summary>
public sealed class NameForge
{
    private static readonly string[] Onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr", "st", "th", "sh", "qu"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ae", "ia", "ou"];
    private static readonly string[] Codas = ["", "", "n", "r", "l", "s", "th", "nd", "sk", "m"];

    private readonly Random _rng;
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    public NameForge(Random rng, IEnumerable<string>? reserved = null)
    {
        _rng = rng;
        if (reserved is not null) foreach (var r in reserved) _used.Add(r);
    }

    /// <summary>A new word of <paramref name="minSyllables"/>..<paramref name="maxSyllables"/> syllables, optionally with a suffix.</summary>
    public string Next(int minSyllables = 2, int maxSyllables = 3, string suffix = "", bool capitalize = true)
    {
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            int n = _rng.Next(minSyllables, maxSyllables + 1);
            var s = new System.Text.StringBuilder();
            for (int i = 0; i < n; i++)
            {
                s.Append(Onsets[_rng.Next(Onsets.Length)]);
                s.Append(Vowels[_rng.Next(Vowels.Length)]);
                if (i == n - 1) s.Append(Codas[_rng.Next(Codas.Length)]);
            }
            s.Append(suffix);
            string word = capitalize ? char.ToUpperInvariant(s[0]) + s.ToString(1, s.Length - 1) : s.ToString();
            if (_used.Add(word)) return word;
        }
        throw new InvalidOperationException("The name space is exhausted; ask for fewer entities or longer names.");
    }
}
