namespace MLNet.Compression.Synthetic;

/// <summary>
/// One bias type of the world: its name (the bias_type column of CrowS-Pairs and StereoSet), how many fictional groups
/// it contrasts, how strongly <see cref="WorldOptions.BiasSkew"/> applies to it, and the ending that makes its group words
/// look like their kind (plural nouns, demonyms, trades).
/// </summary>
public sealed record BiasTypeOptions(string Name, int Groups, double SkewMultiplier, string GroupSuffix)
{
    /// <summary>
    /// Three types at different strengths, so the planted bias differs by type as it does in real text: a gender-like
    /// type of two groups at full skew, a nationality-like type of four groups at 0.75 and an occupation-like type of three at 0.5.
    /// </summary>
    public static IReadOnlyList<BiasTypeOptions> Defaults { get; } =
    [
        new("gender", 2, 1.0, "en"),
        new("nationality", 4, 0.75, "ans"),
        new("profession", 3, 0.5, "ists"),
    ];
}
