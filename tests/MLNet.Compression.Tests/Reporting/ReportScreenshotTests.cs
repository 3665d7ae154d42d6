using MLNet.Compression.Reporting;
using MLNet.Compression.Tests.IO;

namespace MLNet.Compression.Tests.Reporting;

/// <summary>
/// Renders a report in headless Chromium and checks the screenshot has content. CI installs Chromium (.ci/run); elsewhere
/// the test fails with how to install it, unless MLNET_SKIP_BROWSER_TESTS=1 reports it skipped. With
/// MLNET_REPORT_ARTIFACTS=DIR the report and its screenshot are kept there for a person to look at.
/// </summary>
public class ReportScreenshotTests
{
    [SkippableFact]
    public void Screenshot_OfANamburiStudyAndACheckpointSeries_HasCharts()
    {
        string browser = HeadlessChromium.Require();

        using var dir = new TempDir();
        string html = dir.File("report.html"), png = dir.File("report.png");
        StudyReport.WriteHtml([.. ReportSamples.GoncalvesSeries(), ReportSamples.Namburi()], html);
        HeadlessChromium.Screenshot(browser, html, png, dir.File("profile"));

        if (Environment.GetEnvironmentVariable("MLNET_REPORT_ARTIFACTS") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            File.Copy(html, Path.Combine(keep, "report.html"), true);
            File.Copy(png, Path.Combine(keep, "report.png"), true);
        }
        Assert.True(File.Exists(png), "Chromium wrote no screenshot.");
        long bytes = new FileInfo(png).Length;
        Assert.True(bytes > 20_000, $"screenshot is {bytes} bytes; a page of charts compresses to far more.");

        var image = PngImage.Read(png);
        Assert.Equal((1400, 2400), (image.Width, image.Height));
        var (colours, nonWhite, saturated, sampled) = image.Census();
        Assert.True(colours >= 32, $"{colours} distinct colours: the page looks blank.");
        Assert.True(nonWhite > sampled / 50, $"{nonWhite} of {sampled} sampled pixels are not white: the page looks blank.");
        // Series lines and markers are the only strongly coloured things on the page.
        Assert.True(saturated > 1000, $"{saturated} strongly coloured pixels: no chart series were drawn.");
    }
}
