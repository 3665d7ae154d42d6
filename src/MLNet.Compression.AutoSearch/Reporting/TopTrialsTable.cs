using System.Globalization;
using System.Text;
using MLNet.Compression.Reporting;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>The five trials with the least loss among those measured on the whole search split, with what decided their rank.</summary>
public static class TopTrialsTable
{
    public const int Count = 5;

    /// <summary>Appends the table, or a line saying no trial was fully measured.</summary>
    public static void Append(StringBuilder html, IReadOnlyList<MeasuredTrial> trials, int? bestId)
    {
        var top = trials.Where(t => t.FullyMeasured).OrderBy(t => t.Metrics.Loss).ThenBy(t => t.Trial.Id).Take(Count).ToList();
        if (top.Count == 0)
        {
            html.Append("<p class=\"note\">No trial was measured on the whole search split.</p>");
            return;
        }
        var unit = MeasuredTrial.UnitOf(trials);
        var inv = CultureInfo.InvariantCulture;
        html.Append("<div class=\"table\"><table><thead><tr><th>trial</th><th>plan</th><th>bits / weight</th><th>size (% of dense)</th>")
            .Append($"<th>{ReportText.Html(unit.DropLabel())}</th><th>bias shift (points)</th><th>in bounds</th><th>loss</th><th>duration (s)</th></tr></thead><tbody>");
        foreach (var t in top)
        {
            var m = t.Metrics;
            html.Append(t.Trial.Id == bestId ? "<tr class=\"dense\">" : "<tr>")
                .Append($"<td>{t.Trial.Id}{(t.Trial.Id == bestId ? " (best)" : "")}</td><td class=\"l\">{ReportText.Html(m.Plan)}</td>")
                .Append($"<td>{m.BitsPerWeight.ToString("0.00", inv)}</td><td>{(m.SizeFraction * 100).ToString("0.0", inv)}</td>")
                .Append($"<td>{(m.KnowledgeDrop is double d ? (d * unit.Scale()).ToString("+0.00;-0.00;0", inv) : "–")}</td><td>{ReportText.Num(m.BiasShift, 1)}</td>")
                .Append($"<td>{(m.Feasible ? "yes" : "no")}</td><td>{m.Loss.ToString("0.0000", inv)}</td><td>{ReportText.Num(t.Trial.DurationSeconds, 1)}</td></tr>");
        }
        html.Append("</tbody></table></div>");
    }
}
