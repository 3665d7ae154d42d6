namespace MLNet.Compression.Reporting;

/// <summary>How a series shows the 95% intervals of its points.</summary>
public enum IntervalStyle
{
    /// <summary>Not drawn.</summary>
    None,
    /// <summary>A vertical bar with caps at each point; for points at distinct x values that several series share.</summary>
    ErrorBars,
    /// <summary>A translucent band along the line; for series over a continuous x such as training progress.</summary>
    Band,
}
