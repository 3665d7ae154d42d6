using System.Diagnostics;
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
        string? browser = FindBrowser();
        Skip.If(browser is null && Environment.GetEnvironmentVariable("MLNET_SKIP_BROWSER_TESTS") == "1", "Chromium not installed and MLNET_SKIP_BROWSER_TESTS=1.");
        Assert.True(browser is not null,
            "Chromium is needed to screenshot the report: install it (Debian/Ubuntu: apt-get install -y chromium fonts-dejavu-core) or set MLNET_SKIP_BROWSER_TESTS=1 to skip.");

        using var dir = new TempDir();
        string html = dir.File("report.html"), png = dir.File("report.png");
        StudyReport.WriteHtml([.. ReportSamples.GoncalvesSeries(), ReportSamples.Namburi()], html);
        Screenshot(browser!, html, png, dir.File("profile"));

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
        var colors = new HashSet<int>();
        int nonWhite = 0, saturated = 0;
        for (int y = 0; y < image.Height; y += 2)
            for (int x = 0; x < image.Width; x += 2)
            {
                int c = image.Rgb(x, y);
                colors.Add(c);
                int r = c >> 16, g = c >> 8 & 255, b = c & 255;
                if (r + g + b < 735) nonWhite++;
                if (Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) > 80) saturated++;
            }
        int sampled = image.Width / 2 * (image.Height / 2);
        Assert.True(colors.Count >= 32, $"{colors.Count} distinct colours: the page looks blank.");
        Assert.True(nonWhite > sampled / 50, $"{nonWhite} of {sampled} sampled pixels are not white: the page looks blank.");
        // Series lines and markers are the only strongly coloured things on the page.
        Assert.True(saturated > 1000, $"{saturated} strongly coloured pixels: no chart series were drawn.");
    }

    private static string? FindBrowser() =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, name)))
            .FirstOrDefault(File.Exists);

    private static void Screenshot(string browser, string html, string png, string profile)
    {
        var start = new ProcessStartInfo(browser) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", $"--user-data-dir={profile}",
            $"--screenshot={png}", "--window-size=1400,2400", new Uri(html).AbsoluteUri,
        })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"Chromium took over two minutes to screenshot {html}.");
        }
        Assert.True(File.Exists(png), $"Chromium exited with {process.ExitCode} and no screenshot:\n{stderr.Result}");
    }
}
