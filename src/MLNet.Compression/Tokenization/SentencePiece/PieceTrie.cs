namespace MLNet.Compression.Tokenization;

/// <summary>
/// The pieces a SentencePiece model finds in text, as a character trie: walking it from one position yields every
/// piece that starts there, shortest first, in one step per character (sentencepiece's common-prefix search over its
/// double-array trie) instead of one hash of every substring. Built once from the pieces: each node's children sit
/// in one sorted run of the arrays, and the root's many children in a table indexed by character.
/// </summary>
internal sealed class PieceTrie
{
    private readonly int[] _rootChildren = new int[char.MaxValue + 1];
    private readonly int[] _firstChild;
    private readonly char[] _childChar;
    private readonly int[] _childNode;
    private readonly int[] _pieceIds;

    /// <summary>The root node, where every walk starts.</summary>
    public const int Root = 0;

    /// <summary>Builds the trie of <paramref name="pieces"/> (string, id).</summary>
    public PieceTrie(IEnumerable<(string Piece, int Id)> pieces)
    {
        var children = new List<SortedList<char, int>> { new() };
        var ids = new List<int> { -1 };
        foreach (var (piece, id) in pieces)
        {
            int node = Root;
            foreach (char c in piece)
            {
                if (!children[node].TryGetValue(c, out int child))
                {
                    child = children.Count;
                    children.Add(new());
                    ids.Add(-1);
                    children[node].Add(c, child);
                }
                node = child;
            }
            ids[node] = id;
        }
        _pieceIds = ids.ToArray();
        _firstChild = new int[children.Count + 1];
        int total = children.Sum(c => c.Count);
        _childChar = new char[total];
        _childNode = new int[total];
        int k = 0;
        for (int node = 0; node < children.Count; node++)
        {
            _firstChild[node] = k;
            foreach (var (c, child) in children[node])
            {
                _childChar[k] = c;
                _childNode[k] = child;
                k++;
            }
        }
        _firstChild[children.Count] = k;
        Array.Fill(_rootChildren, -1);
        foreach (var (c, child) in children[Root]) _rootChildren[c] = child;
    }

    /// <summary>The node reached from <paramref name="node"/> by <paramref name="c"/>, or -1 when no piece continues so.</summary>
    public int Step(int node, char c)
    {
        if (node == Root) return _rootChildren[c];
        int lo = _firstChild[node], hi = _firstChild[node + 1];
        int at = Array.BinarySearch(_childChar, lo, hi - lo, c);
        return at >= 0 ? _childNode[at] : -1;
    }

    /// <summary>The id of the piece that ends at <paramref name="node"/>, or -1.</summary>
    public int PieceAt(int node) => _pieceIds[node];
}
