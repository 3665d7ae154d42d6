using MLNet.Compression.AutoSearch.Experiment;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// Turns bytes of the searched layers into bits per weight, the size axis a reader compares across models: from the
/// search space when the result carries it, else from any trial or report row that stored both numbers.
/// </summary>
public sealed class SizeScale
{
    private SizeScale(double? parameters) => Parameters = parameters;

    /// <summary>Weights in the searched layers, or null when nothing in the result tells.</summary>
    public double? Parameters { get; }

    public static SizeScale Of(ExperimentResult r)
    {
        double? p = r.Space?.SearchedParameters;
        p ??= r.Trials.Select(ExperimentResult.MetricsOf).Where(m => m is { BitsPerWeight: > 0, SearchedBytes: > 0 })
            .Select(m => (double?)(8.0 * m!.SearchedBytes / m.BitsPerWeight)).FirstOrDefault();
        p ??= r.Report.Where(x => x.BitsPerWeight > 0 && x.SearchedBytes > 0).Select(x => (double?)(8.0 * x.SearchedBytes / x.BitsPerWeight)).FirstOrDefault();
        return new SizeScale(p);
    }

    /// <summary>Bits per weight of <paramref name="bytes"/> of the searched layers; null when the weight count is unknown.</summary>
    public double? BitsPerWeight(long bytes) => Parameters is double p && p > 0 ? 8.0 * bytes / p : null;

    /// <summary>The size limit of <paramref name="r"/> in bits per weight, or null without a budget.</summary>
    public double? LimitBitsPerWeight(ExperimentResult r) => HasLimit(r) ? BitsPerWeight(r.SearchedLimit) : null;

    /// <summary>True when the search had a size budget (long.MaxValue, or an unset 0, means none).</summary>
    public static bool HasLimit(ExperimentResult r) => r.SearchedLimit > 0 && r.SearchedLimit != long.MaxValue;
}
