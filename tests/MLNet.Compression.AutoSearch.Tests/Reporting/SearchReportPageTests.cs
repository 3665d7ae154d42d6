using System.Text.RegularExpressions;
using System.Xml.Linq;
using MLNet.Compression.AutoSearch.Reporting;

namespace MLNet.Compression.AutoSearch.Tests.Reporting;

/// <summary>report.html of a search: its sections, well-formed SVG, the cases with nothing to show, and escaping.</summary>
public sealed class SearchReportPageTests
{
    private static IReadOnlyList<XElement> Svgs(string html)
    {
        Assert.Equal(Regex.Matches(html, "<svg[ >]").Count, Regex.Matches(html, "</svg>").Count);
        return Regex.Matches(html, "<svg[ >].*?</svg>", RegexOptions.Singleline).Select(m => XElement.Parse(m.Value)).ToList();
    }

    private static string Titles(IEnumerable<XElement> svgs) =>
        string.Join("|", svgs.Select(s => s.Elements().First(e => e.Name.LocalName == "title").Value));

    [Fact]
    public void Html_OfAFullSearch_HasEverySectionAndFiveWellFormedCharts()
    {
        string html = SearchReportPage.Html(SearchResultSamples.Full());
        foreach (var section in new[] { "Best plan against dense on the report split", "Search", "Best plan per layer", "Layer sensitivity", "Five best trials", "How to read this report" })
            Assert.Contains($"<h2>{section}", html);
        var svgs = Svgs(html);
        Assert.Equal(5, svgs.Count);
        string titles = Titles(svgs);
        foreach (var title in new[] { "Report split: knowledge against size", "Pareto front: size vs knowledge lost", "Best so far against trials", "Best plan: bits and sparsity per layer", "Layer sensitivity" })
            Assert.Contains(title, titles);
        Assert.Contains("7: 4 finished, 2 stopped early (ASHA), 1 failed", html);
        Assert.Contains("4.00 bits/weight", html); // the size limit in the header
        Assert.Contains("trial #5", html);
        Assert.Contains("uniform gptq 4-bit", html);
        Assert.DoesNotContain("http", Regex.Replace(html, "xmlns=\"http://www.w3.org/2000/svg\"", "")); // no external asset
    }

    [Fact]
    public void ParetoChart_MarksTheFrontTheLimitAndTheBiasScale_AndLeavesOutPrunedTrials()
    {
        var r = SearchResultSamples.Full();
        var chart = ParetoChart.For(r, MeasuredTrial.All(r), SizeScale.Of(r))!;
        Assert.Equal(["Pareto front", "in bounds", "out of bounds", "best plan"], chart.Series.Select(s => s.Name));
        Assert.Equal([null, "#2", "#5"], chart.Series[1].Points.Select(p => p.Label)); // front trials are labelled
        Assert.Equal(3, chart.Series[1].Points.Count); // trials 0, 2, 5: the pruned 1 and 6 were measured on part of the split
        Assert.Single(chart.Series[2].Points);          // trial 3 broke a bound
        Assert.All(chart.Series[1].Points, p => Assert.NotNull(p.Color));
        Assert.Equal([3.2, 3.9], chart.Series[0].Points.Select(p => p.X)); // the front, in size order
        Assert.Equal(4.0, chart.XReferenceLine!.Value.X, 6);
        string svg = chart.ToSvg();
        Assert.Contains("bias shift", svg);
        Assert.Contains("size limit (4.00 bits/weight)", svg);
        Assert.Contains("#5", svg);
    }

    [Fact]
    public void BestSoFarChart_StepsDownAtEachImprovement_AndNeverRises()
    {
        var r = SearchResultSamples.Full();
        var chart = BestSoFarChart.For(MeasuredTrial.All(r))!;
        var step = chart.Series.Single(s => s.Name == "best so far").Points;
        Assert.All(step, p => Assert.True(p.Anchor));
        for (int i = 1; i < step.Count; i++)
        {
            Assert.True(step[i].X >= step[i - 1].X);
            Assert.True(step[i].Y <= step[i - 1].Y);
        }
        // Trial 0 (0.0101), then trial 5 (0.0041) beat it; trial 2 (0.0201) did not; the out-of-bounds trial 3 never counts.
        Assert.Equal([(0, 0.0101), (5, 0.0101), (5, 0.0041), (6, 0.0041)], step.Select(p => ((int)p.X, p.Y)));
        Assert.DoesNotContain(chart.Series.SelectMany(s => s.Points), p => p.Y > 1);
    }

    [Fact]
    public void Html_WithNoBestNoReportNoSensitivityAndNoBias_SaysSoAndStaysWellFormed()
    {
        string html = SearchReportPage.Html(SearchResultSamples.NoBest());
        Assert.Contains("No trial kept every bound", html);
        Assert.Contains("The report split was not measured", html);
        Assert.Contains("No sensitivity pass was run", html);
        Assert.Contains("size limit</dt><dd>none", html);
        var svgs = Svgs(html);
        Assert.Equal("Pareto front: size vs knowledge lost", Titles(svgs)); // the only chart with data: no trial kept the bounds
        Assert.Contains("No bias data was measured", html);
    }

    [Fact]
    public void Html_OfZeroTrials_RendersEveryHeadingWithoutCharts()
    {
        string html = SearchReportPage.Html(SearchResultSamples.Empty());
        Assert.Empty(Svgs(html));
        Assert.Contains("0: 0 finished", html);
        Assert.Contains("No trial was measured, so there is nothing to chart.", html);
        Assert.Contains("No trial was measured on the whole search split.", html);
        Assert.EndsWith("</html>", html);
    }

    [Fact]
    public void Html_EscapesTheStudyName()
    {
        string html = SearchReportPage.Html(SearchResultSamples.Full("<script>alert('x')</script>&"));
        Assert.DoesNotContain("<script", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;", html);
        Svgs(html);
    }

    [Fact]
    public void Write_WritesThePage()
    {
        string path = Path.Combine(Path.GetTempPath(), $"search-report-{Guid.NewGuid():N}.html");
        try
        {
            SearchReportPage.Write(SearchResultSamples.Full(), path);
            Assert.Equal(SearchReportPage.Html(SearchResultSamples.Full()), File.ReadAllText(path));
        }
        finally { File.Delete(path); }
    }
}
