using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// The byte-level BPE tokens of one pre-tokenized word: ids, token strings, and each token's character range relative
/// to the start of the word (a token that ends inside a multi-byte character spans that whole character).
/// </summary>
internal sealed class MergedWord
{
    private MergedWord(int[] ids, string[] values, int[] starts, int[] ends)
    {
        Ids = ids;
        Values = values;
        Starts = starts;
        Ends = ends;
    }

    public int[] Ids { get; }

    public string[] Values { get; }

    public int[] Starts { get; }

    public int[] Ends { get; }

    /// <summary>
    /// Shows the word's UTF-8 bytes through GPT-2's byte table (a lone surrogate as U+FFFD) and merges them;
    /// a piece missing from the vocabulary gets <paramref name="unkId"/>.
    /// </summary>
    public static MergedWord Build(ReadOnlySpan<char> word, BpeModel bpe, int unkId)
    {
        var mapped = new StringBuilder(word.Length + 4);
        var charStart = new List<int>(word.Length + 4);
        var charEnd = new List<int>(word.Length + 4);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < word.Length;)
        {
            Rune.DecodeFromUtf16(word[i..], out var rune, out int used);
            int n = rune.EncodeToUtf8(utf8);
            for (int k = 0; k < n; k++)
            {
                mapped.Append(ByteLevel.Encode(utf8[k]));
                charStart.Add(i);
                charEnd.Add(i + used);
            }
            i += used;
        }
        var pieces = bpe.MergeUncached(mapped.ToString());
        var ids = new int[pieces.Length];
        var starts = new int[pieces.Length];
        var ends = new int[pieces.Length];
        int pos = 0;
        for (int p = 0; p < pieces.Length; p++)
        {
            ids[p] = bpe.TokenToId(pieces[p]) ?? unkId;
            starts[p] = charStart[pos];
            ends[p] = charEnd[pos + pieces[p].Length - 1];
            pos += pieces[p].Length;
        }
        return new MergedWord(ids, pieces, starts, ends);
    }
}
