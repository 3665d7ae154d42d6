namespace MLNet.Compression.Reporting;

/// <summary>
/// The one style each module group and each compression variant has in every chart of a report, so a reader learns
/// "orange squares are ffn" once. Colours are the Tableau set, which stays apart for most colour-blind readers; groups also
/// differ by marker and dash, variants by marker, so overlapping series stay readable in grey.
/// </summary>
public static class ChartPalette
{
    private static readonly Dictionary<string, ChartStyle> Groups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["attention-qkv"] = new("#1f77b4", ChartMarker.Circle),
        ["ffn"] = new("#e8710a", ChartMarker.Square, "8,4"),
        ["all"] = new("#2ca02c", ChartMarker.Triangle, "2,3"),
        ["head"] = new("#17becf", ChartMarker.TriangleDown, "10,3,2,3"),
    };

    private static readonly Dictionary<string, ChartStyle> Variants = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dense"] = new("#222222", ChartMarker.Star),
        ["dynamic-int8"] = new("#d62728", ChartMarker.Diamond, "6,3"),
        ["int8"] = new("#d62728", ChartMarker.Diamond, "6,3"),
        ["fp16"] = new("#9467bd", ChartMarker.Square, "2,2"),
        ["magnitude+int8"] = new("#c51b7d", ChartMarker.Cross, "6,2,1,2"),
        ["ln-structured"] = new("#8c564b", ChartMarker.TriangleDown, "10,3"),
    };

    private static readonly string[] SpareColors = ["#7f7f7f", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173"];
    private static readonly ChartMarker[] SpareMarkers = [ChartMarker.Diamond, ChartMarker.Square, ChartMarker.Triangle, ChartMarker.Circle, ChartMarker.Cross];
    private static readonly string[] SpareDashes = ["4,2", "1,2", "8,2,2,2"];

    /// <summary>The style of a module group ("attention-qkv", "ffn", "all", "head", or a user group).</summary>
    public static ChartStyle Group(string group) => Groups.TryGetValue(group, out var s) ? s : Spare(group);

    /// <summary>The style of a variant ("dense", "dynamic-int8", "fp16", "magnitude+int8", "ln-structured", or a user method).</summary>
    public static ChartStyle Variant(string method) => Variants.TryGetValue(method, out var s) ? s : Spare(method);

    /// <summary>
    /// The style of the points a method made on a group. Magnitude pruning is the study's main axis, so its curves take the
    /// group's style. Another method takes its variant's style; when it was applied to several groups separately (int8 of
    /// attention-qkv, of ffn, of all) the group's colour tells them apart and the variant's hollow marker says what they are.
    /// </summary>
    public static ChartStyle For(string method, string group, bool perGroup)
    {
        if (method == "magnitude") return Group(group);
        var variant = Variant(method);
        return perGroup ? variant with { Color = Group(group).Color, Hollow = true } : variant;
    }

    /// <summary>A fixed style for a name the palette does not know, chosen by a stable hash so every chart agrees.</summary>
    private static ChartStyle Spare(string name)
    {
        uint h = 2166136261;
        foreach (char c in name) h = (h ^ c) * 16777619;
        return new(SpareColors[h % SpareColors.Length], SpareMarkers[h / 7 % SpareMarkers.Length], SpareDashes[h / 11 % SpareDashes.Length]);
    }
}
