namespace MLNet.Compression.Pruning;

/// <summary>
/// Choosing which weights to zero from a score per weight, the way torch.nn.utils.prune does it
/// (torch/nn/utils/prune.py: _compute_nparams_toprune, L1Unstructured.compute_mask).
/// </summary>
public static class MaskSelection
{
    /// <summary>
    /// How many of <paramref name="count"/> entries a fraction prunes: round(amount · count) with Python's round
    /// (half to even), as torch's _compute_nparams_toprune.
    /// </summary>
    public static int CountToPrune(double amount, long count)
    {
        if (double.IsNaN(amount) || amount < 0 || amount > 1) throw new ArgumentOutOfRangeException(nameof(amount), $"sparsity must be in [0, 1], got {amount}.");
        return (int)Math.Round(amount * count, MidpointRounding.ToEven);
    }

    /// <summary>
    /// Marks the <paramref name="k"/> smallest scores in <paramref name="prune"/> (torch.topk(scores, k, largest=False)).
    /// Ties at the threshold go to the lower index, so the result is one fixed answer (torch leaves tie order unspecified;
    /// with continuous weights there are no ties and both agree).
    /// </summary>
    public static void MarkSmallest(ReadOnlySpan<float> scores, int k, Span<bool> prune)
    {
        if (prune.Length != scores.Length) throw new ArgumentException("prune and scores differ in length.");
        prune.Clear();
        if (k <= 0) return;
        if (k >= scores.Length) { prune.Fill(true); return; }
        float threshold = KthSmallest(scores, k - 1);
        int below = 0;
        foreach (float s in scores) if (s < threshold) below++;
        int tiesLeft = k - below;
        for (int i = 0; i < scores.Length; i++)
        {
            if (scores[i] < threshold) prune[i] = true;
            else if (scores[i] == threshold && tiesLeft > 0) { prune[i] = true; tiesLeft--; }
        }
    }

    /// <summary>
    /// torch.nn.utils.prune.global_unstructured: the scores of all tensors flattened and concatenated in order, and the
    /// round(amount · total) smallest over the union marked; returns one mask per tensor.
    /// </summary>
    public static bool[][] GlobalSmallest(IReadOnlyList<float[]> scores, double amount)
    {
        long total = scores.Sum(s => (long)s.Length);
        if (total > Array.MaxLength) throw new ArgumentException($"global pruning over {total} weights exceeds one array; prune fewer layers at once or use local scope.");
        var all = new float[total]; // [Σ numel]
        int offset = 0;
        foreach (var s in scores) { s.CopyTo(all, offset); offset += s.Length; }
        var mask = new bool[total];
        MarkSmallest(all, CountToPrune(amount, total), mask);
        offset = 0;
        var result = new bool[scores.Count][];
        for (int i = 0; i < scores.Count; i++)
        {
            result[i] = mask.AsSpan(offset, scores[i].Length).ToArray();
            offset += scores[i].Length;
        }
        return result;
    }

    /// <summary>The value that would sit at <paramref name="index"/> if <paramref name="values"/> were sorted ascending (O(n) quickselect on a copy).</summary>
    public static float KthSmallest(ReadOnlySpan<float> values, int index)
    {
        var a = values.ToArray();
        int lo = 0, hi = a.Length - 1;
        var rng = new Random(12345); // the pivot choice only affects speed, never the answer
        while (lo < hi)
        {
            float pivot = a[rng.Next(lo, hi + 1)];
            // Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot.
            int lt = lo, i = lo, gt = hi;
            while (i <= gt)
            {
                float v = a[i];
                if (v < pivot) { a[i] = a[lt]; a[lt] = v; lt++; i++; }
                else if (v > pivot) { a[i] = a[gt]; a[gt] = v; gt--; }
                else i++;
            }
            if (index < lt) hi = lt - 1;
            else if (index > gt) lo = gt + 1;
            else return pivot;
        }
        return a[lo];
    }

    /// <summary>
    /// N:M: in each group of <paramref name="m"/> consecutive entries of every row of <paramref name="scores"/> [rows, cols],
    /// marks the m − n smallest (ties to the lower index), so exactly n survive per group.
    /// </summary>
    public static void MarkNM(ReadOnlySpan<float> scores, int cols, int n, int m, Span<bool> prune)
    {
        if (n <= 0 || m < n) throw new ArgumentException($"{n}:{m} is not a valid N:M pattern.");
        if (cols % m != 0) throw new ArgumentException($"{n}:{m} sparsity needs the input width {cols} to be a multiple of {m}.");
        Span<int> order = stackalloc int[m];
        for (int g = 0; g < scores.Length; g += m)
        {
            var s = scores.Slice(g, m);
            for (int i = 0; i < m; i++) order[i] = i;
            // Insertion sort by (score, index): m is 4 or 8.
            for (int i = 1; i < m; i++)
                for (int j = i; j > 0 && s[order[j]] < s[order[j - 1]]; j--) (order[j], order[j - 1]) = (order[j - 1], order[j]);
            for (int i = 0; i < m; i++) prune[g + order[i]] = i < m - n;
        }
    }

    /// <summary>Marks the <paramref name="k"/> smallest of each row of <paramref name="scores"/> [rows, cols] (per-output comparison groups, as Wanda).</summary>
    public static void MarkSmallestPerRow(ReadOnlySpan<float> scores, int cols, int k, Span<bool> prune)
    {
        for (int r = 0; r < scores.Length; r += cols) MarkSmallest(scores.Slice(r, cols), k, prune.Slice(r, cols));
    }

    /// <summary>Zeroes the marked entries in place.</summary>
    public static void Apply(Span<float> weight, ReadOnlySpan<bool> prune)
    {
        for (int i = 0; i < weight.Length; i++) if (prune[i]) weight[i] = 0f;
    }
}
