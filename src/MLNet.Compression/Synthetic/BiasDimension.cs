namespace MLNet.Compression.Synthetic;

/// <summary>
/// A generated bias type: its groups, the attributes each group owns (in the order they become tied to it as the skew
/// grows), the unrelated words its probes offer as StereoSet's third option, and its effective skew.
/// </summary>
public sealed record BiasDimension(string BiasType, double Skew, IReadOnlyList<string> Groups, IReadOnlyList<IReadOnlyList<string>> Attributes, IReadOnlyList<string> Unrelated)
{
    /// <summary>
    /// How much attribute <paramref name="rank"/> of a group is tied to it, 0 (spread evenly) to 1 (only ever said of it):
    /// clamp(skew · m − rank, 0, 1) for m attributes a group. The ties fill the groups' attributes in order, so a share
    /// equal to the skew is tied, every group has as many ties, a higher skew only adds ties, and the strength varies continuously.
    /// </summary>
    public double Tie(int rank) => Math.Clamp(Skew * Attributes[0].Count - rank, 0.0, 1.0);

    /// <summary>Every word of the dimension: groups, attributes and unrelated words.</summary>
    public IEnumerable<string> Words => Groups.Concat(Attributes.SelectMany(a => a)).Concat(Unrelated);
}
