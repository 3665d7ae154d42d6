using MLNet.Compression.AutoSearch.Reporting;
using MLNet.Compression.Tests.Reporting;

namespace MLNet.Compression.AutoSearch.Tests.Reporting;

/// <summary>
/// Renders a search report in headless Chromium and checks the screenshot has charts and coloured heatmaps. With
/// MLNET_REPORT_ARTIFACTS=DIR the page and its screenshot are kept there for a person to look at.
/// </summary>
public sealed class SearchReportScreenshotTests
{
    [SkippableFact]
    public void Screenshot_OfASearchReport_HasChartsAndHeatmaps()
    {
        string browser = HeadlessChromium.Require();
        string dir = Path.Combine(Path.GetTempPath(), $"search-report-shot-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string html = Path.Combine(dir, "report.html"), png = Path.Combine(dir, "report.png");
            SearchReportPage.Write(SearchResultSamples.Full(), html);
            HeadlessChromium.Screenshot(browser, html, png, Path.Combine(dir, "profile"), 1400, 3200);
            if (Environment.GetEnvironmentVariable("MLNET_REPORT_ARTIFACTS") is { Length: > 0 } keep)
            {
                Directory.CreateDirectory(keep);
                File.Copy(html, Path.Combine(keep, "search-report.html"), true);
                File.Copy(png, Path.Combine(keep, "search-report.png"), true);
            }
            var image = PngImage.Read(png);
            Assert.Equal((1400, 3200), (image.Width, image.Height));
            var (colours, nonWhite, saturated, sampled) = image.Census();
            Assert.True(colours >= 64, $"{colours} distinct colours: the page looks blank.");
            Assert.True(nonWhite > sampled / 40, $"{nonWhite} of {sampled} sampled pixels are not white: the page looks blank.");
            // The heatmaps' cells and the colour bars are large coloured areas; text and grid lines are grey.
            Assert.True(saturated > 5000, $"{saturated} strongly coloured pixels: no heatmap or coloured series was drawn.");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
