namespace MLNet.Compression.Reporting;

/// <summary>How one series looks: colour, marker shape, line dash pattern (null = solid) and whether markers are hollow.</summary>
public sealed record ChartStyle(string Color, ChartMarker Marker, string? Dash = null, bool Hollow = false);
