using System.Globalization;
using MLNet.Compression.AutoSearch.Sensitivity;
using MLNet.Compression.Reporting;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// The sensitivity table as a grid: a row per unit (in block order), a column per probe setting, each cell coloured by how
/// much the proxy loss grows when only that unit is compressed so. The scale is symmetric-log and diverging: white is no
/// change, red a loss of knowledge, blue a (noise-sized) gain, and one very sensitive layer does not wash out the rest.
/// </summary>
public static class SensitivityHeatmap
{
    public static SvgHeatmap For(SensitivityTable table)
    {
        var units = table.Units.Select(u => (Unit: u, Pos: LayerPosition.Of(u.Unit)))
            .OrderBy(u => u.Pos.Block < 0 ? 1 : 0).ThenBy(u => u.Pos.Stack == "dec" ? 1 : 0).ThenBy(u => u.Pos.Block).ThenBy(u => u.Pos.KindOrder).ToList();
        var columns = new List<string>();
        foreach (var p in table.Units.SelectMany(u => u.Probes)) if (!columns.Contains(p.Label)) columns.Add(p.Label);

        var deltas = table.Units.SelectMany(u => u.Probes).Select(p => p.Delta).Where(double.IsFinite).ToList();
        double max = deltas.Select(Math.Abs).DefaultIfEmpty(0).Max();
        if (max <= 0) max = 1e-3;
        // Linear up to the typical size of a change, logarithmic above: the median nonzero change sets where "small" ends.
        var nonzero = deltas.Select(Math.Abs).Where(d => d > 0).Order().ToList();
        double typical = nonzero.Count == 0 ? max / 100 : nonzero[nonzero.Count / 2];
        double threshold = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(typical, max * 1e-4))));
        var scale = new ColorScale($"increase of {Proxy(table.Proxy)} over dense (symmetric log scale)", -max, max) { Stops = ColorScale.Diverging, SymLogThreshold = threshold };

        bool sameNames = units.Select(u => u.Pos.ShortName).Distinct().Count() == units.Count;
        var rows = units.Select(u => sameNames ? u.Pos.ShortName : u.Unit.Unit).ToList();
        var cells = new HeatmapCell?[rows.Count, columns.Count];
        for (int r = 0; r < units.Count; r++)
            foreach (var p in units[r].Unit.Probes)
                cells[r, columns.IndexOf(p.Label)] = new HeatmapCell(double.IsFinite(p.Delta) ? scale.ColorOf(p.Delta) : "#cccccc")
                {
                    Text = Short(p.Delta),
                    Hover = $"{units[r].Unit.Unit} at {p.Label}\nΔ {Proxy(table.Proxy)} {p.Delta.ToString("+0.#####;-0.#####;0", CultureInfo.InvariantCulture)}\n{p.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes",
                };
        return new SvgHeatmap
        {
            Title = table.Context == "fp32" ? "Layer sensitivity: loss increase when one unit alone is compressed" : $"Layer sensitivity: loss change when one unit leaves the uniform {table.Context} plan", Rows = rows, Columns = columns, Cells = cells,
            RowTitle = sameNames ? "block · layer" : "unit", Id = "sens", Scale = scale, CellWidth = columns.Count > 12 ? 50 : 60, CellHeight = 18,
            Caption = (table.Context == "fp32"
                          ? $"Each cell: how much the {Proxy(table.Proxy)} (dense {table.Base.ToString("0.####", CultureInfo.InvariantCulture)}) grows when only that unit is compressed with the column's setting, "
                          : $"Each cell: how much the {Proxy(table.Proxy)} (uniform {table.Context}: {table.Base.ToString("0.####", CultureInfo.InvariantCulture)}) changes when only that unit takes the column's setting and every other unit stays at {table.Context}, ") +
                      $"measured on {(table.Fraction * 100).ToString("0", CultureInfo.InvariantCulture)}% of the search split. Red = knowledge lost; near-white = no measurable effect; " +
                      (table.Context == "fp32" ? "blue = slightly better, which is noise. " : "blue = the setting recovers knowledge (the larger settings) or noise. ") +
                      "The search spends its bits where rows turn red early.",
        };
    }

    private static string Proxy(string proxy) => proxy switch
    {
        "fact_nll" => "fact NLL",
        "calibration_kl" => "KL from dense on the calibration text",
        "embedding_cosine" => "1 − embedding cosine to dense",
        "kl" => "KL from dense",
        _ => proxy,
    };

    /// <summary>The delta in at most six characters, so it fits its cell.</summary>
    private static string Short(double d)
    {
        if (!double.IsFinite(d)) return "–";
        if (d == 0) return "0";
        double a = Math.Abs(d);
        string s = a >= 100 ? d.ToString("0", CultureInfo.InvariantCulture)
            : a >= 1 ? d.ToString("0.0", CultureInfo.InvariantCulture)
            : a >= 0.001 ? d.ToString("0.000", CultureInfo.InvariantCulture).Replace("0.", ".", StringComparison.Ordinal)
            : d.ToString("0e0", CultureInfo.InvariantCulture);
        return s;
    }
}
