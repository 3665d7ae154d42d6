using System.Xml.Linq;
using MLNet.Compression.Reporting;
using MLNet.Compression.Study;
using MLNet.Compression.Tests.IO;

namespace MLNet.Compression.Tests.Reporting;

public class StudyReportContentTests
{
    private static string Write(IReadOnlyList<StudyResult> studies)
    {
        using var dir = new TempDir();
        string path = dir.File("report.html");
        StudyReport.WriteHtml(studies, path);
        return File.ReadAllText(path);
    }

    private static IEnumerable<XElement> Svgs(string html)
    {
        for (int i = html.IndexOf("<svg", StringComparison.Ordinal); i >= 0; i = html.IndexOf("<svg", i + 1, StringComparison.Ordinal))
            yield return XElement.Parse(html[i..(html.IndexOf("</svg>", i, StringComparison.Ordinal) + 6)]);
    }

    [Fact]
    public void CheckpointSeries_NamesTheCheckpointWhereInt8IcatIsBest()
    {
        string html = Write(ReportSamples.GoncalvesSeries());
        Assert.Contains("int8's ICAT trade-off is best at checkpoint <b>step-500</b> (step 500, 50% of training)", html);
        Assert.Contains("int8 ICAT 74.0 [71.0, 77.0]; dense ICAT there is 72.0 [69.0, 75.0]", html);
        Assert.Contains("CrowS-Pairs bias during pretraining", html);
        Assert.Contains("Every point of every checkpoint", html);
    }

    [Fact]
    public void Charts_AreResponsiveWellFormedAndCarryIntervalsHoverTextAndCaptions()
    {
        string html = Write([.. ReportSamples.GoncalvesSeries(), ReportSamples.Namburi()]);
        var svgs = Svgs(html).ToList();
        Assert.True(svgs.Count >= 12, $"{svgs.Count} charts");
        XNamespace ns = "http://www.w3.org/2000/svg";
        foreach (var svg in svgs)
        {
            Assert.Equal("100%", (string?)svg.Attribute("width"));
            Assert.NotNull(svg.Attribute("viewBox"));
            var hovers = svg.Descendants(ns + "title").Skip(1).Select(t => t.Value).ToList();
            Assert.NotEmpty(hovers);
            Assert.All(hovers, h => Assert.Contains("group ", h));
            // Perplexity has no interval; every other score shows one in its hover text.
            if (!svg.Descendants(ns + "title").First().Value.StartsWith("Perplexity", StringComparison.Ordinal)) Assert.All(hovers, h => Assert.Contains("[", h));
        }
        // Bias charts show the 50 line; series charts draw bands, sparsity charts bars.
        Assert.Contains(svgs, s => s.Descendants(ns + "text").Any(t => t.Value == "50 = no preference"));
        Assert.Contains(svgs, s => s.Descendants(ns + "polygon").Any());
        Assert.Contains("<figcaption>CrowS-Pairs: % of pairs where the model prefers the more stereotypical sentence; 50 = no preference", html);
        Assert.Contains("ICAT rewards a model that is both a good language model (LMS) and unbiased", html);
        // int8 of each group and magnitude+int8 appear in the bias charts as their own series.
        var crows = svgs.Single(s => s.Descendants(ns + "title").First().Value == "CrowS-Pairs bias vs sparsity");
        var legend = crows.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("int8 ffn", legend);
        Assert.Contains("magnitude+int8 all", legend);
        Assert.Contains("dense", legend);
    }

    [Fact]
    public void BiasAxis_ShowsAtLeast40To60AndEveryIntervalInside()
    {
        var chart = SparsityCharts.Chart(ReportSamples.Namburi(), ReportMetric.Crows, "CrowS");
        var svg = XElement.Parse(chart.ToSvg());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var ticks = svg.Descendants(ns + "text").Where(t => (string?)t.Attribute("text-anchor") == "end" && double.TryParse(t.Value, System.Globalization.CultureInfo.InvariantCulture, out _))
            .Select(t => double.Parse(t.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(40.0, ticks);
        Assert.Contains(60.0, ticks);
        Assert.True(ticks.Max() >= 64, "the highest interval end (61 + 3.5) must lie inside the axis");
    }

    [Fact]
    public void Table_ListsEveryPointWithSizeSplitAndIntervals()
    {
        var study = ReportSamples.Namburi();
        string html = Write([study]);
        Assert.Contains("<th colspan=\"3\">size (MiB)</th>", html);
        Assert.Contains("<th>linear</th><th>other</th>", html);
        foreach (var p in study.Points) Assert.Contains($">{p.Name}</td>", html);
        Assert.Contains("62.0 <span class=\"ci\">[58.0, 66.0]</span>", html);
    }

    [Fact]
    public void StringsFromData_AreEscaped()
    {
        string hostile = "<script>alert(\"x\")</script>&";
        var study = ReportSamples.Namburi(hostile) with { Grid = hostile };
        string html = Write([study]);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.All(Svgs(html), _ => { });
    }

    [Fact]
    public void Palette_GivesEachGroupAndVariantOneStyle()
    {
        Assert.Equal(ChartPalette.Group("ffn"), ChartPalette.For("magnitude", "ffn", perGroup: true));
        Assert.NotEqual(ChartPalette.Group("ffn").Color, ChartPalette.Group("attention-qkv").Color);
        Assert.NotEqual(ChartPalette.Variant("dynamic-int8").Marker, ChartPalette.Variant("fp16").Marker);
        var int8Ffn = ChartPalette.For("dynamic-int8", "ffn", perGroup: true);
        Assert.Equal(ChartPalette.Group("ffn").Color, int8Ffn.Color);
        Assert.Equal(ChartPalette.Variant("dynamic-int8").Marker, int8Ffn.Marker);
        Assert.Equal(ChartPalette.Group("my-group"), ChartPalette.Group("my-group"));
    }

    [Theory]
    [InlineData(0.0, 0.9, 0.2)]
    [InlineData(52.5, 57.5, 1)]
    [InlineData(3.0, 3.0, 0.2)]
    public void AxisRange_PadsTheDataAndTicksAtRoundValues(double lo, double hi, double step)
    {
        var r = AxisRange.Around([lo, hi]);
        Assert.True(r.Min < lo && r.Max > hi, $"{r} does not pad [{lo}, {hi}]");
        Assert.Equal(step, r.Step(), 10);
        var ticks = r.Ticks();
        Assert.InRange(ticks.Count, 4, 9);
        Assert.All(ticks, t => Assert.InRange(t, r.Min, r.Max));
        Assert.All(ticks, t => Assert.True(Math.Abs(t / step - Math.Round(t / step)) < 1e-9, $"tick {t}"));
    }
}
