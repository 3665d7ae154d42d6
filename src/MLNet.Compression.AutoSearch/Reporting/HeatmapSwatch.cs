namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>One entry of a heatmap's legend of discrete colours: a square of <see cref="Fill"/>, hatched or not, and its label.</summary>
public sealed record HeatmapSwatch(string Label, string Fill, bool Hatched = false);
