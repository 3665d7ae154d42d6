namespace MLNet.Compression.Evaluation.Bias;

/// <summary>An edit operation of <see cref="SequenceMatcher.GetOpcodes"/>: a[A1..A2) becomes b[B1..B2).</summary>
public readonly record struct Opcode(string Tag, int A1, int A2, int B1, int B2);

/// <summary>
/// A faithful port of Python's difflib.SequenceMatcher (isjunk = None, autojunk = True) over int sequences:
/// the alignment that CrowS-Pairs (nyu-mll/crows-pairs metric.py get_span) and bias-bench (crows.py _get_span) use to
/// find the tokens two sentences share. The longest-match search, the recursion order, the collapsing of adjacent
/// blocks and the "popular element" rule (b of 200 or more items: elements occurring more than 1 + len(b)/100 times are
/// left out of the index, though a match may still be extended over them) all follow CPython's Lib/difflib.py, because a
/// different but equally valid alignment would mask different tokens and change the scores.
/// </summary>
public sealed class SequenceMatcher
{
    private readonly int[] _a;
    private readonly int[] _b;
    private readonly Dictionary<int, List<int>> _b2j = new();

    /// <param name="autoJunk">difflib's autojunk heuristic (on by default, as metric.py leaves it).</param>
    public SequenceMatcher(IReadOnlyList<int> a, IReadOnlyList<int> b, bool autoJunk = true)
    {
        _a = a.ToArray();
        _b = b.ToArray();
        for (int j = 0; j < _b.Length; j++)
        {
            if (!_b2j.TryGetValue(_b[j], out var list)) _b2j[_b[j]] = list = new List<int>();
            list.Add(j);
        }
        // difflib __chain_b: purge popular elements (no junk function is given, so bjunk stays empty).
        int n = _b.Length;
        if (autoJunk && n >= 200)
        {
            int ntest = n / 100 + 1;
            foreach (var key in _b2j.Where(kv => kv.Value.Count > ntest).Select(kv => kv.Key).ToList()) _b2j.Remove(key);
        }
    }

    /// <summary>difflib find_longest_match(alo, ahi, blo, bhi): the longest block a[i..i+k) == b[j..j+k), earliest in a, then in b.</summary>
    public (int I, int J, int K) FindLongestMatch(int alo, int ahi, int blo, int bhi)
    {
        int besti = alo, bestj = blo, bestsize = 0;
        var j2len = new Dictionary<int, int>();
        for (int i = alo; i < ahi; i++)
        {
            var newj2len = new Dictionary<int, int>();
            if (_b2j.TryGetValue(_a[i], out var js))
            {
                foreach (int j in js)
                {
                    if (j < blo) continue;
                    if (j >= bhi) break;
                    int k = (j2len.TryGetValue(j - 1, out int prev) ? prev : 0) + 1;
                    newj2len[j] = k;
                    if (k > bestsize) { besti = i - k + 1; bestj = j - k + 1; bestsize = k; }
                }
            }
            j2len = newj2len;
        }
        // Extend over equal elements the index left out (popular ones); with no junk function, nothing is "junk" here,
        // so difflib's second pair of loops (sucking up junk) never runs.
        while (besti > alo && bestj > blo && _a[besti - 1] == _b[bestj - 1]) { besti--; bestj--; bestsize++; }
        while (besti + bestsize < ahi && bestj + bestsize < bhi && _a[besti + bestsize] == _b[bestj + bestsize]) bestsize++;
        return (besti, bestj, bestsize);
    }

    /// <summary>difflib get_matching_blocks: non-adjacent matching blocks in order, ending with the sentinel (len(a), len(b), 0).</summary>
    public IReadOnlyList<(int I, int J, int K)> GetMatchingBlocks()
    {
        var queue = new Stack<(int, int, int, int)>();   // Python pops from the end of a list
        queue.Push((0, _a.Length, 0, _b.Length));
        var blocks = new List<(int I, int J, int K)>();
        while (queue.Count > 0)
        {
            var (alo, ahi, blo, bhi) = queue.Pop();
            var (i, j, k) = FindLongestMatch(alo, ahi, blo, bhi);
            if (k == 0) continue;
            blocks.Add((i, j, k));
            if (alo < i && blo < j) queue.Push((alo, i, blo, j));
            if (i + k < ahi && j + k < bhi) queue.Push((i + k, ahi, j + k, bhi));
        }
        blocks.Sort();
        var result = new List<(int I, int J, int K)>();
        int i1 = 0, j1 = 0, k1 = 0;
        foreach (var (i2, j2, k2) in blocks)
        {
            if (i1 + k1 == i2 && j1 + k1 == j2) k1 += k2;
            else
            {
                if (k1 > 0) result.Add((i1, j1, k1));
                (i1, j1, k1) = (i2, j2, k2);
            }
        }
        if (k1 > 0) result.Add((i1, j1, k1));
        result.Add((_a.Length, _b.Length, 0));
        return result;
    }

    /// <summary>difflib get_opcodes: "replace", "delete", "insert" and "equal" operations that turn a into b.</summary>
    public IReadOnlyList<Opcode> GetOpcodes()
    {
        int i = 0, j = 0;
        var ops = new List<Opcode>();
        foreach (var (ai, bj, size) in GetMatchingBlocks())
        {
            string? tag = i < ai && j < bj ? "replace" : i < ai ? "delete" : j < bj ? "insert" : null;
            if (tag is not null) ops.Add(new Opcode(tag, i, ai, j, bj));
            i = ai + size;
            j = bj + size;
            if (size > 0) ops.Add(new Opcode("equal", ai, i, bj, j));
        }
        return ops;
    }

    /// <summary>
    /// Positions in each sequence covered by "equal" opcodes (<paramref name="shared"/> true: metric.py get_span) or by
    /// the other opcodes (false: bias-bench _get_span(..., "diff")).
    /// </summary>
    public static (List<int> First, List<int> Second) Span(IReadOnlyList<int> a, IReadOnlyList<int> b, bool shared)
    {
        var first = new List<int>();
        var second = new List<int>();
        foreach (var op in new SequenceMatcher(a, b).GetOpcodes())
        {
            if ((op.Tag == "equal") != shared) continue;
            for (int x = op.A1; x < op.A2; x++) first.Add(x);
            for (int x = op.B1; x < op.B2; x++) second.Add(x);
        }
        return (first, second);
    }
}
