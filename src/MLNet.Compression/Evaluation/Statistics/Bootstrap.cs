namespace MLNet.Compression.Evaluation.Statistics;

/// <summary>
/// Percentile bootstrap over evaluation items (Efron &amp; Tibshirani 1993, ch. 13): the items are resampled with
/// replacement <see cref="Options.Resamples"/> times, the statistic is recomputed on each resample, and the interval is
/// the (1 − level)/2 and (1 + level)/2 quantiles of those values (linear interpolation between order statistics, as numpy's
/// default percentile). Seeded, so a report is reproducible; the resample count is part of every JSON output.
/// </summary>
public static class Bootstrap
{
    /// <summary>How the bootstrap runs.</summary>
    public sealed record Options
    {
        /// <summary>Resamples drawn. Default 1000: the percentile bounds of a 95% interval move by well under a tenth of its half-width between seeds at this count.</summary>
        public int Resamples { get; init; } = 1000;

        /// <summary>Seed of the resampling. Default 0.</summary>
        public int Seed { get; init; }

        /// <summary>Coverage of the interval. Default 0.95.</summary>
        public double Level { get; init; } = 0.95;

        public static Options Default { get; } = new();

        internal void Check()
        {
            if (Resamples < 1) throw new ArgumentOutOfRangeException(nameof(Resamples), $"the bootstrap needs at least one resample, got {Resamples}.");
            if (!(Level > 0 && Level < 1)) throw new ArgumentOutOfRangeException(nameof(Level), $"the interval level must lie in (0, 1), got {Level}.");
        }
    }

    /// <summary>
    /// The interval of <paramref name="statistic"/> over <paramref name="n"/> items. The statistic receives how often each
    /// item was drawn (weights[i] = copies of item i; all ones for the items as they are), which lets means, ratios and
    /// per-group scores be computed without copying items.
    /// </summary>
    public static Interval Percentile(int n, Func<ReadOnlySpan<int>, double> statistic, Options? options = null)
        => PercentileAll(n, 1, w => [statistic(w)], options)[0];

    /// <summary>
    /// Intervals of <paramref name="count"/> statistics computed together on the same resamples (SS, LMS and ICAT of one
    /// item set): each resample is drawn and scored once, not once per statistic.
    /// </summary>
    public static Interval[] PercentileAll(int n, int count, Func<ReadOnlySpan<int>, double[]> statistics, Options? options = null)
    {
        options ??= Options.Default;
        options.Check();
        var ones = new int[n];
        Array.Fill(ones, 1);
        double[] estimates = statistics(ones);
        if (n == 0) return estimates.Select(e => new Interval(e, double.NaN, double.NaN, options.Level)).ToArray();
        var values = Resample(n, count, options, statistics);
        return Enumerable.Range(0, count).Select(k => new Interval(estimates[k],
            Quantile(values[k], (1 - options.Level) / 2), Quantile(values[k], (1 + options.Level) / 2), options.Level)).ToArray();
    }

    /// <summary>The interval of the mean of <paramref name="values"/> (e.g. 1/0 per fact for P@1).</summary>
    public static Interval Mean(IReadOnlyList<double> values, Options? options = null)
        => Percentile(values.Count, w => WeightedMean(values, w), options);

    /// <summary>Σ wᵢ·xᵢ / Σ wᵢ; NaN when no item is drawn.</summary>
    public static double WeightedMean(IReadOnlyList<double> values, ReadOnlySpan<int> weights)
    {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0) continue;
            sum += weights[i] * values[i];
            count += weights[i];
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <summary>
    /// Each of <paramref name="count"/> statistics on <see cref="Options.Resamples"/> resamples, sorted per statistic;
    /// a resample where a statistic is NaN is dropped for that statistic.
    /// </summary>
    internal static double[][] Resample(int n, int count, Options options, Func<ReadOnlySpan<int>, double[]> statistics)
    {
        var rng = new Random(options.Seed);
        var weights = new int[n];
        var values = Enumerable.Range(0, count).Select(_ => new List<double>(options.Resamples)).ToArray();
        for (int r = 0; r < options.Resamples; r++)
        {
            Array.Clear(weights);
            for (int i = 0; i < n; i++) weights[rng.Next(n)]++;
            var v = statistics(weights);
            for (int k = 0; k < count; k++)
                if (!double.IsNaN(v[k])) values[k].Add(v[k]);
        }
        return values.Select(l =>
        {
            var sorted = l.ToArray();
            Array.Sort(sorted);
            return sorted;
        }).ToArray();
    }

    /// <summary>The q-quantile of sorted values with linear interpolation between order statistics (numpy's "linear").</summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
