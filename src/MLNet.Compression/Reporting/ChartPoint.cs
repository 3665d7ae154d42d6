namespace MLNet.Compression.Reporting;

/// <summary>One data point of a chart: its position, the 95% interval of its y value, hover text and an optional label drawn beside it.</summary>
public sealed record ChartPoint(double X, double Y)
{
    /// <summary>Lower end of the interval on y, or null when the point has none.</summary>
    public double? Low { get; init; }

    /// <summary>Upper end of the interval on y.</summary>
    public double? High { get; init; }

    /// <summary>Text shown when the pointer rests on the marker (an SVG title); lines separated by '\n'.</summary>
    public string? Hover { get; init; }

    /// <summary>Short text written next to the marker, for scatter charts where every point is a different model.</summary>
    public string? Label { get; init; }

    /// <summary>Fill of this point's marker instead of its series' colour, for a third quantity on a <see cref="ColorScale"/>.</summary>
    public string? Color { get; init; }

    /// <summary>
    /// The line passes through this point but draws no marker or interval there: a pruning curve starts at the dense model's
    /// value, which the dense series marks itself.
    /// </summary>
    public bool Anchor { get; init; }
}
