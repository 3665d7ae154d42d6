using System.Diagnostics;

namespace MLNet.Compression.Tests.Reporting;

/// <summary>
/// Screenshots an HTML file in headless Chromium for the report tests of every test project (linked into the AutoSearch
/// tests). CI installs Chromium (.ci/run); elsewhere a test fails with how to install it, unless
/// MLNET_SKIP_BROWSER_TESTS=1 lets it report itself skipped.
/// </summary>
public static class HeadlessChromium
{
    /// <summary>The Chromium executable on PATH, or null.</summary>
    public static string? Find() =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Skips the test when Chromium is missing and MLNET_SKIP_BROWSER_TESTS=1; fails with install advice when it is missing otherwise.</summary>
    public static string Require()
    {
        string? browser = Find();
        Skip.If(browser is null && Environment.GetEnvironmentVariable("MLNET_SKIP_BROWSER_TESTS") == "1", "Chromium not installed and MLNET_SKIP_BROWSER_TESTS=1.");
        Assert.True(browser is not null,
            "Chromium is needed to screenshot the report: install it (Debian/Ubuntu: apt-get install -y chromium fonts-dejavu-core) or set MLNET_SKIP_BROWSER_TESTS=1 to skip.");
        return browser!;
    }

    /// <summary>Renders <paramref name="html"/> at <paramref name="width"/> × <paramref name="height"/> into <paramref name="png"/>, with a fresh profile in <paramref name="profile"/>.</summary>
    public static void Screenshot(string browser, string html, string png, string profile, int width = 1400, int height = 2400)
    {
        var start = new ProcessStartInfo(browser) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", $"--user-data-dir={profile}",
            $"--screenshot={png}", $"--window-size={width},{height}", new Uri(html).AbsoluteUri,
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
