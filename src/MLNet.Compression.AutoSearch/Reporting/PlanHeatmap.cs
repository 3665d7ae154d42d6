using System.Globalization;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// The best plan as a grid: a row per transformer block, a column per layer kind, each cell coloured by how many bits the
/// layer's weights are stored with (darker = fewer) and hatched when it is pruned, its setting ("4b", "s0.50") written in it.
/// </summary>
public static class PlanHeatmap
{
    /// <summary>Storage formats from most to least bits, each with its fill; the legend lists those the plan uses in this order.</summary>
    private static readonly (string Name, string Fill)[] Formats =
    [
        ("fp32", "#f0f0f0"), ("fp16", "#d1e5f0"), ("int8", "#92c5de"), ("8b", "#92c5de"), ("6b", "#6baed6"), ("5b", "#5a9fd0"),
        ("4b", "#4393c3"), ("3b", "#2166ac"), ("2b", "#08306b"), ("1b", "#041a3d"),
    ];

    /// <summary>
    /// The heatmap of <paramref name="settings"/> (layer → setting); <paramref name="roleOf"/> gives a layer's role when the
    /// model's layers are known, and <paramref name="bytesOf"/> its stored bytes for the hover text.
    /// </summary>
    public static SvgHeatmap For(IEnumerable<KeyValuePair<string, LayerSetting>> settings, Func<string, LayerRole?>? roleOf = null, Func<string, long?>? bytesOf = null)
    {
        var layers = settings.Select(kv => (kv.Key, kv.Value, Pos: LayerPosition.Of(kv.Key, roleOf?.Invoke(kv.Key)))).ToList();
        var rows = layers.Select(l => (l.Pos.Stack, l.Pos.Block, Label: l.Pos.BlockLabel)).Distinct()
            .OrderBy(r => r.Block < 0 ? 1 : 0).ThenBy(r => r.Stack == "dec" ? 1 : 0).ThenBy(r => r.Block).Select(r => r.Label).ToList();
        var columns = layers.Select(l => (l.Pos.Kind, l.Pos.KindOrder)).Distinct().OrderBy(k => k.KindOrder).ThenBy(k => k.Kind, StringComparer.Ordinal).Select(k => k.Kind).ToList();
        // Two layers in one cell (a name the kinds do not tell apart) would hide one: the second takes its own column.
        var placed = new Dictionary<(string Row, string Column), (string Layer, LayerSetting Setting)>();
        foreach (var (layer, setting, pos) in layers)
        {
            string column = pos.Kind;
            if (placed.ContainsKey((pos.BlockLabel, column)))
            {
                column = layer[(layer.LastIndexOf('.') + 1)..];
                while (placed.ContainsKey((pos.BlockLabel, column))) column += "'";
                if (!columns.Contains(column)) columns.Add(column);
            }
            placed[(pos.BlockLabel, column)] = (layer, setting);
        }
        var cells = new HeatmapCell?[rows.Count, columns.Count];
        foreach (var ((row, column), (layer, s)) in placed)
        {
            string format = FormatOf(s);
            string bytes = bytesOf?.Invoke(layer) is long b ? $"\n{b.ToString("N0", CultureInfo.InvariantCulture)} bytes stored" : "";
            cells[rows.IndexOf(row), columns.IndexOf(column)] = new HeatmapCell(FillOf(format))
            {
                Text = s.Label, Hatched = s.Pruned,
                Hover = $"{layer}\n{Describe(s)}{bytes}",
            };
        }
        var used = layers.Select(l => FormatOf(l.Value)).ToHashSet();
        var swatches = Formats.Where(f => used.Contains(f.Name)).Select(f => new HeatmapSwatch(Legend(f.Name), f.Fill)).ToList();
        foreach (var other in used.Where(u => Formats.All(f => f.Name != u)).Order(StringComparer.Ordinal)) swatches.Add(new HeatmapSwatch(Legend(other), FillOf(other)));
        if (layers.Any(l => l.Value.Pruned)) swatches.Add(new HeatmapSwatch("hatched: pruned (s = sparsity, 2:4 = N:M)", "#ffffff", Hatched: true));
        return new SvgHeatmap
        {
            Title = "Best plan: bits and sparsity per layer", Rows = rows, Columns = columns, Cells = cells, RowTitle = "block",
            Id = "plan", Swatches = swatches, CellWidth = columns.Count > 8 ? 62 : 78, CellHeight = 22,
            Caption = "A row per transformer block, a column per layer kind. Colour = the bits each weight is stored with (darker = fewer bits); " +
                      "hatching = the layer is pruned, its sparsity written in the cell (s0.50 = half the weights removed). Hover a cell for the layer's full name and bytes.",
        };
    }

    /// <summary>"fp32", "fp16", "int8" or "4b": the storage format that decides the colour.</summary>
    private static string FormatOf(LayerSetting s) => s.Bits switch
    {
        null => "fp32",
        16 => "fp16",
        8 when s.Quantizer == "dynamic-int8" => "int8",
        int b => b.ToString(CultureInfo.InvariantCulture) + "b",
    };

    private static string FillOf(string format) => Formats.FirstOrDefault(f => f.Name == format).Fill ?? "#bbbbbb";

    private static string Legend(string format) => format switch
    {
        "fp32" => "fp32 (not quantized)",
        "fp16" => "fp16",
        "int8" => "dynamic int8",
        _ => format.TrimEnd('b') + "-bit",
    };

    private static string Describe(LayerSetting s)
    {
        var parts = new List<string>();
        if (s.Pruned) parts.Add(s.Pruner == "nm" ? "pruned 2:4 (nm)" : $"pruned to sparsity {s.Sparsity.ToString("0.00", CultureInfo.InvariantCulture)} ({s.Pruner})");
        parts.Add(s.Bits switch
        {
            null => "float32",
            16 => "float16",
            8 when s.Quantizer == "dynamic-int8" => "dynamic int8",
            int b => $"{b}-bit {s.Quantizer}{(s.GroupSize > 0 ? $", group size {s.GroupSize}" : ", one group per row")}",
        });
        return string.Join(", ", parts);
    }
}
