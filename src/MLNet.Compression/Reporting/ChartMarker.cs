namespace MLNet.Compression.Reporting;

/// <summary>Shape drawn at each data point, so series that overlap stay apart by shape as well as by colour.</summary>
public enum ChartMarker
{
    Circle,
    Square,
    Triangle,
    TriangleDown,
    Diamond,
    Star,
    Cross,
}
