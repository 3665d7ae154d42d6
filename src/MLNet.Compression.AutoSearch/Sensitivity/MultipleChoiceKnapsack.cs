namespace MLNet.Compression.AutoSearch.Sensitivity;

/// <summary>
/// The multiple-choice knapsack: pick exactly one option per group so that the total cost stays within the capacity and
/// the total value (here: the predicted loss increase) is least. Solved by dynamic programming over the capacity cut into
/// <c>resolution</c> buckets, each option's cost rounded up to whole buckets, so every solution returned fits the real
/// capacity; with integer costs and a capacity no larger than the resolution the answer is exact (tests check it against
/// brute force). HAWQ-V3 (Yao et al. 2021) poses the same per-layer bit allocation as an integer program; this is that
/// program with one constraint, solved exactly.
/// </summary>
public static class MultipleChoiceKnapsack
{
    /// <param name="costs">costs[g][o]: cost of option o of group g (non-negative)</param>
    /// <param name="values">values[g][o]: value to minimise</param>
    /// <param name="capacity">the bound on total cost</param>
    /// <param name="resolution">buckets the capacity is cut into</param>
    /// <returns>the chosen option of each group, or null when even the cheapest options do not fit</returns>
    public static int[]? Solve(IReadOnlyList<IReadOnlyList<long>> costs, IReadOnlyList<IReadOnlyList<double>> values, long capacity, int resolution = 4000)
    {
        int groups = costs.Count;
        if (values.Count != groups) throw new ArgumentException("costs and values need one list per group.");
        if (capacity < 0) return null;
        int buckets = (int)Math.Min(resolution, Math.Max(1, capacity));
        double bucket = (double)capacity / buckets;
        // Rounded-up bucket costs: a solution within `buckets` whole buckets is within the real capacity.
        int Units(long c) => c == 0 ? 0 : (int)Math.Min(int.MaxValue, (long)Math.Ceiling(c / bucket - 1e-9));

        var best = new double[buckets + 1]; // [capacity] least value with total bucket cost exactly c, over groups so far
        Array.Fill(best, double.PositiveInfinity);
        best[0] = 0;
        var choice = new int[groups, buckets + 1]; // [group, capacity] option taken to reach it
        for (int g = 0; g < groups; g++)
        {
            if (costs[g].Count == 0 || costs[g].Count != values[g].Count) throw new ArgumentException($"group {g}: needs at least one option and one value per option.");
            var next = new double[buckets + 1];
            Array.Fill(next, double.PositiveInfinity);
            for (int o = 0; o < costs[g].Count; o++)
            {
                int w = Units(costs[g][o]);
                if (w > buckets) continue;
                double v = values[g][o];
                for (int c = w; c <= buckets; c++)
                {
                    double cand = best[c - w] + v;
                    if (cand < next[c]) { next[c] = cand; choice[g, c] = o; }
                }
            }
            best = next;
        }
        int end = -1;
        for (int c = 0; c <= buckets; c++)
            if (double.IsFinite(best[c]) && (end < 0 || best[c] < best[end])) end = c;
        if (end < 0) return null;

        // Walk back through the choices: the option of group g at capacity c leaves c − its bucket cost for groups before it.
        var picked = new int[groups];
        for (int g = groups - 1, c = end; g >= 0; g--)
        {
            int o = choice[g, c];
            picked[g] = o;
            c -= Units(costs[g][o]);
        }
        return picked;
    }
}
