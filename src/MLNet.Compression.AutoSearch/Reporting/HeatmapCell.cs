namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>One cell of a <see cref="SvgHeatmap"/>: its fill, the short text written in it, its hover text, and whether it is hatched.</summary>
public sealed record HeatmapCell(string Fill)
{
    public string? Text { get; init; }
    public string? Hover { get; init; }

    /// <summary>Diagonal lines over the fill: a second property on top of the colour (a pruned layer).</summary>
    public bool Hatched { get; init; }
}
