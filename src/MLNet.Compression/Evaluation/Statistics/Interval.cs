using System.Globalization;

namespace MLNet.Compression.Evaluation.Statistics;

/// <summary>A point estimate with its confidence interval (percentile bootstrap unless said otherwise).</summary>
/// <param name="Estimate">the statistic on the items as they are</param>
/// <param name="Low">lower bound</param>
/// <param name="High">upper bound</param>
/// <param name="Level">coverage, e.g. 0.95</param>
public sealed record Interval(double Estimate, double Low, double High, double Level = 0.95)
{
    /// <summary>Half the interval's width: the ± a reader compares a change with.</summary>
    public double HalfWidth => (High - Low) / 2;

    /// <summary>True when <paramref name="value"/> lies inside the interval, bounds included.</summary>
    public bool Contains(double value) => value >= Low && value <= High;

    /// <summary>"62.3 [58.1, 66.4]" with <paramref name="format"/> applied to each number.</summary>
    public string ToString(string format)
        => $"{Estimate.ToString(format, CultureInfo.InvariantCulture)} [{Low.ToString(format, CultureInfo.InvariantCulture)}, {High.ToString(format, CultureInfo.InvariantCulture)}]";

    public override string ToString() => ToString("0.###");

    /// <summary>The same interval with every number multiplied by <paramref name="factor"/> (fractions to percentages).</summary>
    public Interval Scale(double factor) => this with { Estimate = Estimate * factor, Low = Low * factor, High = High * factor };
}
