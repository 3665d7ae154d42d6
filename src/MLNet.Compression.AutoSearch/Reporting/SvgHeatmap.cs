using System.Globalization;
using System.Text;
using MLNet.Compression.Reporting;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// A grid of coloured cells as one self-contained SVG: row and column labels, text in each cell (white on dark fills),
/// hover text, optional hatching, and a legend of discrete swatches or a <see cref="ColorScale"/> bar, so every colour is
/// explained on the chart itself. Used for the best plan (blocks × layer kinds) and the layer sensitivities (units × probe settings).
/// </summary>
public sealed class SvgHeatmap
{
    private const int Pad = 10, TitleBand = 30, ColumnBand = 20, LegendGap = 14, SwatchRow = 20;
    private const double CharWidth = 6.4;

    public required string Title { get; init; }
    public required IReadOnlyList<string> Rows { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }

    /// <summary>Cells by [row, column]; null leaves the cell empty (that layer kind does not exist in that block).</summary>
    public required HeatmapCell?[,] Cells { get; init; }

    /// <summary>Names the rows axis above the row labels ("block", "unit").</summary>
    public string RowTitle { get; init; } = "";

    /// <summary>A prefix for the ids of the hatch patterns, unique on the page.</summary>
    public string Id { get; init; } = "heat";

    public int CellWidth { get; init; } = 64;
    public int CellHeight { get; init; } = 22;

    /// <summary>A continuous legend; used when the fills come from a colour scale.</summary>
    public ColorScale? Scale { get; init; }

    /// <summary>A legend of discrete colours; used when the fills are categories.</summary>
    public IReadOnlyList<HeatmapSwatch> Swatches { get; init; } = [];

    public string? Caption { get; init; }

    /// <summary>The heatmap and its caption as an HTML figure spanning the chart grid's row.</summary>
    public string ToFigure() =>
        $"<figure class=\"chart wide\">{ToSvg()}{(Caption is null ? "" : $"<figcaption>{ReportText.Html(Caption)}</figcaption>")}</figure>";

    /// <summary>The heatmap as one &lt;svg&gt; element (well-formed XML).</summary>
    public string ToSvg()
    {
        int left = Pad + (int)Math.Ceiling(Math.Max(Rows.Select(r => r.Length).DefaultIfEmpty(4).Max(), RowTitle.Length) * CharWidth) + 8;
        int gridTop = TitleBand + ColumnBand, gridWidth = Columns.Count * CellWidth, gridHeight = Rows.Count * CellHeight;
        var swatchRows = LayoutSwatches(Math.Max(gridWidth, 360));
        int legendHeight = Scale is not null ? ColorScale.BarHeight : swatchRows.Count == 0 ? 0 : (swatchRows.Max(s => s.Row) + 1) * SwatchRow;
        // Wide enough for the grid, the legend and the bold title (about 9 px a character at 15 px).
        int width = Math.Max(Math.Max(left + gridWidth + Pad, left + 440), 2 * Pad + (int)Math.Ceiling(Title.Length * 9.0));
        int height = gridTop + gridHeight + LegendGap + legendHeight + Pad;

        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" style=\"max-width:{width * 1.25:0}px\" role=\"img\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\">");
        sb.Append($"<title>{ReportText.Html(Title)}</title>");
        string hatchDark = $"{Id}-hatch-dark", hatchLight = $"{Id}-hatch-light";
        sb.Append("<defs>");
        foreach (var (id, color) in new[] { (hatchDark, "#000"), (hatchLight, "#fff") })
            sb.Append($"<pattern id=\"{id}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{color}\" stroke-opacity=\"0.45\" stroke-width=\"2\"/></pattern>");
        sb.Append("</defs>");
        sb.Append($"<text x=\"{Pad}\" y=\"20\" font-size=\"15\" font-weight=\"bold\" fill=\"#111\">{ReportText.Html(Title)}</text>");
        if (RowTitle.Length > 0)
            sb.Append($"<text x=\"{left - 6}\" y=\"{gridTop - 6}\" text-anchor=\"end\" font-style=\"italic\" fill=\"#555\">{ReportText.Html(RowTitle)}</text>");
        for (int c = 0; c < Columns.Count; c++)
            sb.Append($"<text x=\"{F(left + (c + 0.5) * CellWidth)}\" y=\"{gridTop - 6}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222\">{ReportText.Html(Fit(Columns[c], CellWidth))}</text>");
        for (int r = 0; r < Rows.Count; r++)
        {
            double y = gridTop + r * CellHeight;
            sb.Append($"<text x=\"{left - 6}\" y=\"{F(y + CellHeight / 2.0 + 4)}\" text-anchor=\"end\" fill=\"#222\">{ReportText.Html(Rows[r])}</text>");
            for (int c = 0; c < Columns.Count; c++)
            {
                double x = left + c * CellWidth;
                if (Cells[r, c] is not { } cell)
                {
                    sb.Append($"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{CellWidth}\" height=\"{CellHeight}\" fill=\"#fff\" stroke=\"#eee\"/>");
                    continue;
                }
                bool dark = ColorScale.IsDark(cell.Fill);
                sb.Append($"<g><rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{CellWidth}\" height=\"{CellHeight}\" fill=\"{cell.Fill}\" stroke=\"#fff\" stroke-width=\"1\"/>");
                if (cell.Hatched) sb.Append($"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{CellWidth}\" height=\"{CellHeight}\" fill=\"url(#{(dark ? hatchLight : hatchDark)})\"/>");
                if (!string.IsNullOrEmpty(cell.Text))
                {
                    string ink = dark ? "#fff" : "#111", halo = dark ? cell.Fill : "#fff";
                    sb.Append($"<text x=\"{F(x + CellWidth / 2.0)}\" y=\"{F(y + CellHeight / 2.0 + 4)}\" text-anchor=\"middle\" font-size=\"10.5\" fill=\"{ink}\"")
                        .Append(cell.Hatched ? $" stroke=\"{halo}\" stroke-width=\"3\" paint-order=\"stroke\"" : "")
                        .Append($">{ReportText.Html(Fit(cell.Text, CellWidth))}</text>");
                }
                if (cell.Hover is not null) sb.Append($"<title>{ReportText.Html(cell.Hover)}</title>");
                sb.Append("</g>");
            }
        }
        int ly = gridTop + gridHeight + LegendGap;
        if (Scale is not null) Scale.AppendBar(sb, left, ly - 4, Math.Clamp(gridWidth, 300, 480));
        else
            foreach (var (s, x, row) in swatchRows)
            {
                double sx = left + x, sy = ly + row * SwatchRow;
                sb.Append($"<rect x=\"{F(sx)}\" y=\"{F(sy)}\" width=\"16\" height=\"12\" fill=\"{s.Fill}\" stroke=\"#999\" stroke-width=\"0.6\"/>");
                if (s.Hatched) sb.Append($"<rect x=\"{F(sx)}\" y=\"{F(sy)}\" width=\"16\" height=\"12\" fill=\"url(#{(ColorScale.IsDark(s.Fill) ? hatchLight : hatchDark)})\"/>");
                sb.Append($"<text x=\"{F(sx + 21)}\" y=\"{F(sy + 10)}\" fill=\"#222\">{ReportText.Html(s.Label)}</text>");
            }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>Swatches placed left to right, wrapping when <paramref name="width"/> is used up.</summary>
    private List<(HeatmapSwatch Swatch, double X, int Row)> LayoutSwatches(int width)
    {
        var placed = new List<(HeatmapSwatch, double, int)>();
        double x = 0;
        int row = 0;
        foreach (var s in Swatches)
        {
            double w = 21 + s.Label.Length * CharWidth + 14;
            if (x > 0 && x + w > width) { x = 0; row++; }
            placed.Add((s, x, row));
            x += w;
        }
        return placed;
    }

    /// <summary>Shortens text that would spill out of its cell, with an ellipsis (the hover keeps the full text).</summary>
    private static string Fit(string text, int width)
    {
        int max = Math.Max(3, (int)((width - 4) / CharWidth));
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
