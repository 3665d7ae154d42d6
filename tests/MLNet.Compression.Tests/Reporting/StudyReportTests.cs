using System.Xml.Linq;
using MLNet.Compression.Reporting;
using MLNet.Compression.Study;
using MLNet.Compression.Tests.IO;

namespace MLNet.Compression.Tests.Reporting;

public class StudyReportTests
{
    private static StudyResult Study()
    {
        var points = new List<StudyPoint> { new() { Name = "dense", Method = "dense", PAt1 = 0.9, CrowsScore = 70, SizeBytes = 4 << 20 } };
        foreach (var (group, slope) in new[] { ("attention-qkv", 0.2), ("ffn", 0.6) })
            foreach (var s in new[] { 0.1, 0.5, 0.9 })
                points.Add(new() { Name = $"magnitude {group} {s}", Method = "magnitude", Group = group, Sparsity = s, PAt1 = 0.9 - slope * s, CrowsScore = 70 - 10 * s, SizeBytes = 4 << 20 });
        return new StudyResult { Model = "toy", ModelType = "bert", Grid = "namburi2023", Points = points };
    }

    [Fact]
    public void KnowledgeDrop_RanksTheGroupThatLosesMostFirst()
    {
        // Mean drop over sparsities 0.1, 0.5, 0.9: ffn 0.6·0.5 = 0.30, attention-qkv 0.2·0.5 = 0.10.
        var drops = StudyReport.KnowledgeDropByGroup(Study());
        Assert.Equal("ffn", drops[0].Group);
        Assert.Equal(0.30, drops[0].MeanDrop, 10);
        Assert.Equal(0.10, drops[1].MeanDrop, 10);
    }

    [Fact]
    public void Html_HoldsWellFormedSvgChartsAndTheFinding()
    {
        using var dir = new TempDir();
        string path = dir.File("report.html");
        StudyReport.WriteHtml([Study()], path);
        string html = File.ReadAllText(path);
        Assert.Contains("costs the most knowledge", html);
        Assert.Contains("<b>ffn</b>", html);
        int svgs = 0;
        for (int i = html.IndexOf("<svg", StringComparison.Ordinal); i >= 0; i = html.IndexOf("<svg", i + 1, StringComparison.Ordinal))
        {
            int end = html.IndexOf("</svg>", i, StringComparison.Ordinal) + 6;
            var svg = XElement.Parse(html[i..end]);
            Assert.NotEmpty(svg.Descendants("{http://www.w3.org/2000/svg}circle"));
            svgs++;
        }
        Assert.True(svgs >= 3, $"{svgs} charts");
    }
}
