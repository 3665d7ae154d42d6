namespace MLNet.Compression.Reporting;

/// <summary>One named series of a chart, drawn in one <see cref="ChartStyle"/> and listed in the chart's legend.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, ChartStyle Style)
{
    /// <summary>Join the points with a line (in x order); false draws markers only.</summary>
    public bool Line { get; init; } = true;

    /// <summary>How the points' intervals are drawn.</summary>
    public IntervalStyle Intervals { get; init; } = IntervalStyle.ErrorBars;

    /// <summary>Horizontal shift in pixels, so series whose points share x values (every group at sparsity 0.1) do not hide each other's bars.</summary>
    public double DodgePx { get; init; }
}
